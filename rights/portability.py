"""Portability (UK GDPR art. 20): the information a client gave the practice, or that their
coaching contract made, in a structured, machine-readable file with a published schema.

What is in it: who they are, their engagements, agreements and signatures, consents, sessions,
complaints, testimonials, their requests, and the invoices sent to them (a private client). What is
not: what others wrote or said about them (their coach's notes, reports, feedback, disclosures)
and the access log; those are in the copy a request for access gives (``rights.exports``).

The file is ``your-data.json``; its schema, ``your-data.schema.json`` (JSON Schema 2020-12), is in
the same ZIP and published at ``/subject-access/portability-schema.json`` for anyone to read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

FORMAT = "data-portability/1"
SCHEMA_PATH = "/subject-access/portability-schema.json"
DATA_FILE = "your-data.json"
SCHEMA_FILE = "your-data.schema.json"

# Section key (as ``exports.client_contents`` names it) -> what the schema says of it.
SECTIONS: dict[str, str] = {
    "identity": "Your name and contact details as the practice holds them.",
    "engagements": "Your coaching engagements: reference, title, dates, who pays, your coach.",
    "agreements": "The confidentiality agreements of your engagements, with who signed and when.",
    "consents": "The consents you gave or withdrew, with their wording and when.",
    "sessions": "Your coaching sessions: when, how long, where, and whether the setting was private.",
    "complaints": "Your complaints and the practice's responses.",
    "testimonials": "Testimonials, case studies and mentions of you in marketing, and your consent to them.",
    "subject_access_requests": "Your requests under your data-protection rights, and their answers.",
    "invoices": "The invoices sent to you (if you pay for your own coaching), with payments and credit notes.",
}

README = """Your information, in a machine-readable file (portability, UK GDPR article 20).

Request {reference}, received {received}; this file was made {generated}.

  {data}          the information you gave the practice, and that your coaching
                          agreement made (UTF-8 JSON; times in UTC)
  {schema}   its description (JSON Schema 2020-12), also published at
                          {schema_url}

What others wrote about you (your coach's notes, reports, feedback) is not in it: ask for a copy
of your information for that. The file can be downloaded until the date the practice told you;
after that it is deleted.
"""


def schema_url() -> str:
    """Where the schema is published, in full: the file names it, so it can be checked wherever it goes."""
    from django.conf import settings

    return f"{settings.SITE_URL}{SCHEMA_PATH}"


def schema() -> dict[str, Any]:
    """The JSON Schema of ``your-data.json``. Each section is a list of records; a record's fields are
    named in plain words and may grow in a later version of the same format (no field is removed)."""
    record = {"type": "object", "additionalProperties": True}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_url(),
        "title": "Your information, from a coaching practice (portability)",
        "type": "object",
        "required": ["format", "generated_at", "request", *SECTIONS],
        "additionalProperties": False,
        "properties": {
            "$schema": {"type": "string", "format": "uri", "description": "Where this file's schema is published."},
            "format": {"const": FORMAT, "description": "This file's format and version."},
            "generated_at": {"type": "string", "format": "date-time", "description": "When the file was made (UTC)."},
            "request": {
                "type": "object",
                "required": ["reference", "received_on"],
                "properties": {
                    "reference": {"type": "string", "description": "The request's reference, e.g. SAR-1A2B3C4D."},
                    "received_on": {"type": "string", "format": "date"},
                },
            },
            **{key: {"type": "array", "description": text, "items": record} for key, text in SECTIONS.items()},
        },
    }


def document(contents: Any, request: Any, generated_at: Any) -> dict[str, Any]:
    """``your-data.json``: the portable sections of ``contents`` (a client's ``exports.Contents``)."""
    held = {section.key: section.items for section in contents.sections}
    return {
        "$schema": schema_url(),
        "format": FORMAT,
        "generated_at": generated_at,
        "request": {"reference": request.reference, "received_on": request.received_on},
        **{key: held.get(key, []) for key in SECTIONS},
    }


def entries(contents: Any, request: Any, generated_at: Any) -> Callable[[Callable[[str, bytes], None]], None]:
    """What the ZIP holds (``exports._sealed_zip`` calls it with the function that adds an entry)."""
    from django.core.serializers.json import DjangoJSONEncoder

    from confidentiality.dates import day, moment

    def write(add: Callable[[str, bytes], None]) -> None:
        readme = README.format(
            reference=request.reference,
            received=day(request.received_on),
            generated=moment(generated_at),
            data=DATA_FILE,
            schema=SCHEMA_FILE,
            schema_url=schema_url(),
        )
        add("README.txt", readme.encode())
        data = json.dumps(
            document(contents, request, generated_at), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False
        )
        add(DATA_FILE, data.encode())
        add(SCHEMA_FILE, json.dumps(schema(), indent=2).encode())

    return write
