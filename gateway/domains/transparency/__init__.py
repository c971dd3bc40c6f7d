"""The public transparency notice (EU Directive 2024/2831 art. 9): which decisions about riders the gateway takes
automatically, on which data, with which main parameters, per platform; generated from what is configured (each
platform's agreement and adapter, the domains' and jobs' `decides` declarations) and versioned, so that a change
is published with its date before it takes effect. See docs/transparency.md.
"""

from gateway.plugins import Plugin

PLUGIN = Plugin(__name__, models=(".models",), cli=".cli:transparency_app")
