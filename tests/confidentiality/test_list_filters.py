"""The filters long lists use in place of Django's own tags (issue 23) give exactly what those give."""

from __future__ import annotations

import datetime
import uuid

from django.template import Context, Template


class TestListFilters:
    def test_each_rows_address_is_the_one_url_gives(self) -> None:
        ids = [uuid.uuid4() for _ in range(5)]
        ours = Template(
            '{% load lists %}{% address_of_each "engagements:detail" as detail %}'
            "{% for pk in ids %}{{ detail|with_id:pk }}|{% endfor %}"
        )
        django = Template("{% for pk in ids %}{% url 'engagements:detail' pk %}|{% endfor %}")
        assert ours.render(Context({"ids": ids})) == django.render(Context({"ids": ids}))

    def test_each_persons_address_is_the_one_url_gives(self) -> None:
        ids = [1, 9, 10, 987, 123456789, 2**40]
        ours = Template(
            '{% load lists %}{% address_of_each_number "people:person" as person %}'
            "{% for pk in ids %}{{ person|with_number:pk }}|{% endfor %}"
        )
        django = Template("{% for pk in ids %}{% url 'people:person' pk %}|{% endfor %}")
        assert ours.render(Context({"ids": ids})) == django.render(Context({"ids": ids}))

    def test_a_day_is_written_as_the_date_filter_writes_it(self) -> None:
        days = [datetime.date(2024, month, day) for month in range(1, 13) for day in (1, 9, 28)]
        days.append(datetime.date(2024, 2, 29))
        ours = Template("{% load lists %}{% for d in days %}{{ d|day_month_year }}|{% endfor %}{{ no|day_month_year }}")
        django = Template('{% for d in days %}{{ d|date:"j M Y" }}|{% endfor %}{{ no|date:"j M Y" }}')
        context = {"days": days, "no": None}
        assert ours.render(Context(context)) == django.render(Context(context))


# The table's rows as they were written with Django's own tags, before ``engagement_rows``.
_ROWS_WITH_DJANGOS_TAGS = """{% for engagement in engagements %}
<td><a href="{% url 'engagements:detail' engagement.pk %}">{{ engagement.reference }}</a></td>
<td>{{ engagement.title }}</td><td>{{ engagement.payer_name }}</td>
<td><span class="status status--{{ engagement.status }}">{{ engagement.get_status_display }}</span></td>
<td>{{ engagement.starts_on|date:"j M Y" }}</td><td>{{ engagement.next_actions|join:"; "|default:"Up to date" }}</td>
{% endfor %}"""

_ROWS_WITH_OURS = """{% load lists %}{% engagement_rows engagements as rows %}{% for row in rows %}
<td><a href="{{ row.address }}">{{ row.reference }}</a></td>
<td>{{ row.title }}</td><td>{{ row.payer }}</td>
<td><span class="status status--{{ row.status }}">{{ row.status_label }}</span></td>
<td>{{ row.started }}</td><td>{{ row.next }}</td>
{% endfor %}"""


class TestEngagementRows:
    def test_each_row_reads_as_djangos_tags_wrote_it(self) -> None:
        from engagements.models import Engagement, Organisation

        organisation = Organisation(name="Smith & Sons <Holdings>")
        engagements = []
        for k, status in enumerate(Engagement.Status.values):
            engagement = Engagement(
                id=uuid.uuid4(),
                reference=f"ENG-{k}",
                title=f'Coaching "{k}" <b>& more</b>',
                status=status,
                starts_on=datetime.date(2024, 2, 29) + datetime.timedelta(days=40 * k),
                organisation=organisation if k % 2 else None,
            )
            engagement.next_actions = [  # type: ignore[attr-defined]
                [],
                ["Record the first session"],
                ["Return hard copies to the <organisation>", "No session for 31 days & more"],
                ["The client asked for changes to a report"],
            ][k % 4]
            engagements.append(engagement)
        context = {"engagements": engagements}
        ours = Template(_ROWS_WITH_OURS).render(Context(context))
        assert ours == Template(_ROWS_WITH_DJANGOS_TAGS).render(Context(context))
        assert "Up to date" in ours and "&lt;organisation&gt;" in ours and "Smith &amp; Sons" in ours
