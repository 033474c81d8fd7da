"""The practice's counts, kept by the database (issue 23): the administrator's dashboard read a count
of every engagement, client and organisation on each view (185 ms at a million engagements in
``make bench``). Triggers now keep the counts in the writing transaction, whoever writes; a nightly
check puts right any difference and tells the administrators."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from confidentiality.models import Notice
from engagements.counts import counted, counts_reconcile, practice_counts
from engagements.models import Client, Engagement, Organisation, PracticeCount
from tests.conftest import World
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def truth() -> dict[str, int]:
    return counted(Engagement, Client, Organisation)


def kept() -> dict[str, int]:
    return {kind: n for kind, n in PracticeCount.objects.values_list("kind", "n") if n}


def test_every_write_is_counted_whoever_makes_it(world: World) -> None:
    assert kept() == truth()
    organisation = OrganisationFactory()
    engagements = [EngagementFactory(organisation=organisation, client=ClientFactory()) for _ in range(3)]
    assert kept() == truth()
    engagements[0].status = Engagement.Status.CLOSED
    engagements[0].save(update_fields=["status"])
    Engagement.objects.filter(pk=engagements[1].pk).update(status=Engagement.Status.PAUSED)
    assert kept() == truth()
    engagements[2].title = "Renamed"  # not a change of state: nothing moves
    engagements[2].save(update_fields=["title"])
    assert kept() == truth()
    with connection.cursor() as cursor:  # by hand, as the technical admin or a restore might
        alone = OrganisationFactory()
        pk = Organisation._meta.pk.get_db_prep_value(alone.pk, connection)  # type: ignore[union-attr]
        cursor.execute("DELETE FROM engagements_organisation WHERE id = %s", [pk])
    assert kept() == truth()
    Engagement.objects.filter(pk__in=[engagements[0].pk, engagements[1].pk]).delete()
    assert kept() == truth()


def test_the_dashboard_reads_the_kept_counts_in_one_query(world: World) -> None:
    admin = world.http("admin")
    admin.get("/dashboard/")
    with CaptureQueriesContext(connection) as few:
        page = admin.get("/dashboard/")
    counts = practice_counts()
    assert f'<span class="stat">{counts["active"]}</span> active engagements' in page.content.decode()
    for _ in range(5):
        EngagementFactory(client=ClientFactory(), organisation=OrganisationFactory())
    with CaptureQueriesContext(connection) as many:
        page = admin.get("/dashboard/")
    assert len(many.captured_queries) == len(few.captured_queries)
    assert f'<span class="stat">{practice_counts()["clients"]}</span> clients' in page.content.decode()
    assert practice_counts()["clients"] == counts["clients"] + 5


def test_the_nightly_check_puts_a_difference_right_and_tells_the_administrators(world: World) -> None:
    from engagements.tasks import practice_counts_reconcile_task

    assert counts_reconcile() == {}
    PracticeCount.objects.filter(kind="client").update(n=999)
    practice_counts_reconcile_task()
    assert kept() == truth()
    told = Notice.objects.filter(user=world.people["admin"], text__contains="counts of engagements")
    assert told.exists() and "client" in told.first().text  # type: ignore[union-attr]


def test_the_sweep_takes_what_it_deletes_out(world: World, settings: Any) -> None:
    import datetime

    from django.utils import timezone

    from retention.sweep import run_sweep

    old = EngagementFactory(client=ClientFactory(), organisation=OrganisationFactory())
    Engagement.objects.filter(pk=old.pk).update(
        status=Engagement.Status.CLOSED, closed_at=timezone.now() - datetime.timedelta(days=3 * 366)
    )
    before = kept().get("engagement:closed", 0)
    run_sweep()
    assert not Engagement.objects.filter(pk=old.pk).exists()
    assert kept() == truth() and kept().get("engagement:closed", 0) == before - 1
