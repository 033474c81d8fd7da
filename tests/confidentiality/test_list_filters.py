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

    def test_a_day_is_written_as_the_date_filter_writes_it(self) -> None:
        days = [datetime.date(2024, month, day) for month in range(1, 13) for day in (1, 9, 28)]
        days.append(datetime.date(2024, 2, 29))
        ours = Template("{% load lists %}{% for d in days %}{{ d|day_month_year }}|{% endfor %}{{ no|day_month_year }}")
        django = Template('{% for d in days %}{{ d|date:"j M Y" }}|{% endfor %}{{ no|date:"j M Y" }}')
        context = {"days": days, "no": None}
        assert ours.render(Context(context)) == django.render(Context(context))
