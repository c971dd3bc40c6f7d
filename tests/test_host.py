"""The host interface (gateway.host): what an adapter may read and do of the gateway, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from gateway import host
from gateway.canonical import RiderEnrolled
from tests.conftest import TEST_NOW, PlatformHandle


def test_an_adapter_finds_only_platforms_that_use_it(engine: Engine, platform: PlatformHandle) -> None:
    with Session(engine) as session:
        found = host.platform_named(session, platform.slug, "standard")
        assert found is not None and (found.slug, found.adapter) == (platform.slug, "standard")
        assert host.platform_named(session, platform.slug, "coopcycle") is None
        assert host.platform_named(session, "ghost", "standard") is None


def test_an_adapter_enrols_riders_and_feeds_the_intake_as_a_webhook_would(
    engine: Engine, platform: PlatformHandle
) -> None:
    with Session(engine) as session:
        ref = host.platform_named(session, platform.slug, "standard")
        assert ref is not None
        assert host.rider_pk(session, ref.id, "r-1") is None
        host.enrol_rider(session, ref.id, RiderEnrolled(rider_id="r-1", name="Amina", email="a@example.org"), TEST_NOW)
        pk = host.rider_pk(session, ref.id, "r-1")
        assert pk is not None
        host.lock_rider(session, pk)
        target = host.intake_target(session, ref.id, TEST_NOW)
        assert (target.id, target.slug, target.insolvent) == (ref.id, platform.slug, False)
        assert target.secrets == [platform.secret]
        session.commit()
    with Session(engine) as session:
        assert host.rider_pk(session, ref.id, "r-1") == pk
