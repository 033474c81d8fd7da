"""The API's description documents its refusals as well as its answers.

Every operation may refuse in the same few ways (``confidentiality.api.exception_handler``): no
valid token (401), not allowed to do this (403, e.g. policies to accept first, or a read-only
role), outside the caller's need-to-know or not there (404), input that is wrong (400), and for
writes a record changed since it was read or in a state that does not allow it (409) or a body in
a media type the operation does not take (415). drf-spectacular documents only each operation's
success; this schema class adds those refusals, with their bodies, so a client of the API knows
them and the API fuzzing checks each refusal against its documented shape.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

REFUSAL = {
    "type": "object",
    "description": "Why the request was refused, in words a person can act on.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
INVALID = {
    "type": "object",
    "description": "What was wrong with the input: each field's problems by field name, or under "
    '"detail" for the request as a whole.',
    "additionalProperties": {},
}

# (status, description, component), for every operation and for writes only.
EVERY = (
    ("400", "The input is not valid: nothing was changed.", "Invalid"),
    ("401", "No token, or one that is not valid.", "Refusal"),
    ("403", "Signed in, but not allowed to do this (for staff, until the current policies are accepted).", "Refusal"),
    ("404", "Not found, or outside the caller's need-to-know: its existence is not confirmed.", "Refusal"),
)
WRITE_ONLY = (
    ("409", "The record changed since it was read, or its state does not allow this now.", "Refusal"),
    ("415", "The body is in a media type this operation does not take.", "Refusal"),
)


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        refs = {name: self._component(name, schema) for name, schema in (("Refusal", REFUSAL), ("Invalid", INVALID))}
        refusals = EVERY + (WRITE_ONLY if self.method in WRITES else ())
        for code, description, name in refusals:
            responses.setdefault(
                code, {"description": description, "content": {"application/json": {"schema": refs[name]}}}
            )
        return responses

    def _component(self, name: str, schema: dict[str, Any]) -> Any:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref
