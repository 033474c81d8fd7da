"""factory_boy factories. Each builds its object through the services, as users do."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from confidentiality.models import User
from confidentiality.roles import Role
from confidentiality.services import user_create
from engagements.models import Client, Engagement, Organisation
from engagements.services import client_create, engagement_create, organisation_create, sponsor_contact_add

PASSWORD = "a long test password 2026"


class UserFactory(factory.Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name")
    role = Role.COACH
    organisation: Any = None

    @classmethod
    def _create(cls, model_class: Any, *args: Any, role: Role, organisation: Any = None, **kwargs: Any) -> User:
        user = user_create(actor=None, role=role, password=PASSWORD, **kwargs)
        if role == Role.SPONSOR:
            sponsor_contact_add(actor=None, organisation=organisation or OrganisationFactory(), user=user)
        return user


class OrganisationFactory(factory.Factory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Organisation:
        return organisation_create(actor=None, **kwargs)


class ClientFactory(factory.Factory):
    class Meta:
        model = Client

    full_name = factory.Faker("name")
    contact_email = factory.Sequence(lambda n: f"client{n}@example.org")
    user: Any = None

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Client:
        return client_create(actor=None, **kwargs)


class EngagementFactory(factory.Factory):
    class Meta:
        model = Engagement

    reference = factory.Sequence(lambda n: f"ENG-T-{n:05d}")
    title = "Leadership coaching"
    organisation = factory.SubFactory(OrganisationFactory)
    client = factory.SubFactory(ClientFactory)
    coaches: Any = factory.LazyFunction(list)
    sponsors: Any = factory.LazyFunction(list)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    status = Engagement.Status.ACTIVE

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Engagement:
        if not kwargs["coaches"]:
            kwargs["coaches"] = [UserFactory(role=Role.COACH)]
        return engagement_create(actor=None, **kwargs)
