from tests.web.conftest import Scenario
from fastapi.testclient import TestClient
from typing import Any, Callable

def test_smoke(scenario: Scenario, rider_session: Callable[..., TestClient], client: TestClient) -> None:
    rc = rider_session(scenario.platform, "r-1")
    for lang in ["en", "fr", "nl"]:
        r = rc.get(f"/v1/rider/contracts/{scenario.paid}/view?lang={lang}")
        print(r.status_code)
        import json; print(json.dumps(r.json(), indent=1, ensure_ascii=False)[:6000])
    r = rc.get(f"/v1/rider/contracts/{scenario.open}/view")
    import json; print(json.dumps(r.json(), indent=1, ensure_ascii=False)[:6000])
    r = rc.get("/rider", headers={"accept": "text/html"})
    print(r.status_code, r.text[:3000])
    r = rc.get(f"/rider/contracts/{scenario.paid}", headers={"accept": "text/html"})
    print(r.status_code, r.text)
    __import__("pathlib").Path("/tmp/page.html").write_text(r.text)
