"""``make load --capacity``'s stepping (deploy/capacity.py), over made-up measurements: no server."""

from __future__ import annotations

import pytest

from deploy.capacity import STEPS, Step, find_capacity, parse_steps

TARGET_MS = 300


def step(users: int, rps: float, p95_ms: float, errors: int = 0) -> Step:
    return Step(
        users=users, seconds=15, requests=int(rps * 15), rps=rps, p50_ms=p95_ms / 2, p95_ms=p95_ms, errors=errors
    )


class FakeServer:
    """Answers ``measure(users)`` from a table, and remembers which steps were measured."""

    def __init__(self, table: dict[int, Step]) -> None:
        self.table = table
        self.measured: list[int] = []

    def __call__(self, users: int) -> Step:
        self.measured.append(users)
        return self.table[users]


class TestFindCapacity:
    def test_it_reports_the_last_step_under_the_target_and_stops_at_the_first_over_it(self) -> None:
        server = FakeServer(
            {1: step(1, 20, 60), 2: step(2, 38, 90), 4: step(4, 60, 180), 8: step(8, 64, 420), 16: step(16, 65, 900)}
        )

        found = find_capacity([1, 2, 4, 8, 16], server, TARGET_MS)

        assert found.rps == 60
        assert found.met is not None and found.met.users == 4
        assert found.failed is not None and found.failed.users == 8
        assert server.measured == [1, 2, 4, 8]
        assert found.stopped_by(TARGET_MS) == "p95 420 ms > 300 ms at 8 users"

    def test_it_stops_at_the_first_error_even_under_the_p95_target(self) -> None:
        server = FakeServer({1: step(1, 20, 60), 2: step(2, 38, 90, errors=1), 4: step(4, 60, 180)})

        found = find_capacity([1, 2, 4], server, TARGET_MS)

        assert found.met is not None and found.met.users == 1
        assert found.rps == 20
        assert server.measured == [1, 2]
        assert found.stopped_by(TARGET_MS) == "1 errors at 2 users"

    def test_it_counts_a_p95_of_exactly_the_target_as_met(self) -> None:
        found = find_capacity([1, 2], FakeServer({1: step(1, 20, 300), 2: step(2, 30, 300.1)}), TARGET_MS)

        assert found.met is not None and found.met.users == 1
        assert found.failed is not None and found.failed.users == 2

    def test_it_reports_no_capacity_when_the_first_step_fails(self) -> None:
        found = find_capacity([1, 2], FakeServer({1: step(1, 3, 700, errors=2)}), TARGET_MS)

        assert found.met is None
        assert found.rps == 0
        assert found.stopped_by(TARGET_MS) == "p95 700 ms > 300 ms and 2 errors at 1 users"

    def test_it_says_when_the_steps_ran_out_before_the_target_was_passed(self) -> None:
        server = FakeServer({1: step(1, 20, 60), 2: step(2, 38, 90)})

        found = find_capacity([1, 2], server, TARGET_MS)

        assert found.failed is None
        assert found.rps == 38
        assert found.stopped_by(TARGET_MS) == "not reached: the steps ended at 2 users"

    def test_it_refuses_steps_that_do_not_rise(self) -> None:
        with pytest.raises(ValueError, match="must rise"):
            find_capacity([2, 2], FakeServer({2: step(2, 38, 90)}), TARGET_MS)


class TestParseSteps:
    def test_it_reads_rising_user_counts(self) -> None:
        assert parse_steps("1,2, 4,8") == (1, 2, 4, 8)
        assert parse_steps(",".join(map(str, STEPS))) == STEPS

    @pytest.mark.parametrize("text", ["", "0,1", "1,2,2", "4,2", "one"])
    def test_it_refuses_anything_else(self, text: str) -> None:
        with pytest.raises(ValueError):
            parse_steps(text)
