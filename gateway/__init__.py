"""The gig-platform gateway."""

import warnings

import authlib.deprecate  # noqa: F401 - installs authlib's own "always" filter, which ours must follow

# authlib prefers the `httpx2` fork and warns when it falls back to httpx; the stack is httpx (with respx in the
# tests, which mocks httpx only), so the fallback is the intended path, not news for operators.
warnings.filterwarnings("ignore", message="The httpx module is deprecated")
