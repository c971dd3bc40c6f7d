"""Raw JSON fragments crafted to break a reader rather than a rule (issue 14): each once ended in a 500, which a
platform's sender retries forever. Spliced into otherwise valid bodies as text (json.dumps itself refuses to
write 3,000 levels)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from adapters.jsonbody import MAX_DEPTH, MAX_NUMBER_CHARS

DEEP = st.integers(min_value=MAX_DEPTH + 1, max_value=3000).map(lambda n: "[" * n + "]" * n)
LONG_NUMBERS = st.integers(min_value=MAX_NUMBER_CHARS + 1, max_value=6000).map(lambda n: "9" * n) | st.sampled_from(
    ["1e999", "-1e999", "NaN", "Infinity", "-Infinity"]
)
# Local times with any offset in the centuries outside the instants' window, including those with no UTC value.
FAR_INSTANTS = st.builds(
    lambda local, minutes: json.dumps(local.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat()),
    st.datetimes(min_value=datetime(9000, 1, 2)) | st.datetimes(max_value=datetime(1899, 12, 30)),
    st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1),
)
NUL_TEXT = st.tuples(st.text(max_size=12), st.text(max_size=12)).map(lambda t: json.dumps(t[0] + "\x00" + t[1]))
LONE_SURROGATES = st.sampled_from(['"\\ud800"', '"a\\udfff"', '"\\udbff x"'])
# What no JSON route takes, whatever the field.
UNREADABLE = DEEP | LONG_NUMBERS | NUL_TEXT | LONE_SURROGATES
