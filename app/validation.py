"""Pydantic's validation messages in the request's language.

English keeps pydantic's own sentence (`error["msg"]`). Another language translates pydantic's
message template for the error's `type` (the msgids below are pydantic's templates, placeholders
from the error's `ctx`); a type without a translation keeps pydantic's English.
"""

from __future__ import annotations

from app.i18n import N_, gettext

TEMPLATES = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_parsing_size": N_("Unable to parse input string as an integer, exceeded maximum size"),
    "int_type": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "float_type": N_("Input should be a valid number"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "bool_type": N_("Input should be a valid boolean"),
    "string_type": N_("Input should be a valid string"),
    "string_unicode": N_(
        "Input should be a valid string, unable to parse raw data as a unicode string"
    ),
    "string_too_short": N_("String should have at least {min_length} character{expected_plural}"),
    "string_too_long": N_("String should have at most {max_length} character{expected_plural}"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "too_short": N_(
        "{field_type} should have at least {min_length} item{expected_plural} after "
        "validation, not {actual_length}"
    ),
    "too_long": N_(
        "{field_type} should have at most {max_length} item{expected_plural} after "
        "validation, not {actual_length}"
    ),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "multiple_of": N_("Input should be a multiple of {multiple_of}"),
    "literal_error": N_("Input should be {expected}"),
    "enum": N_("Input should be {expected}"),
    "list_type": N_("Input should be a valid list"),
    "tuple_type": N_("Input should be a valid tuple"),
    "dict_type": N_("Input should be a valid dictionary"),
    "set_type": N_("Input should be a valid set"),
    "none_required": N_("Input should be None"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "model_attributes_type": N_(
        "Input should be a valid dictionary or object to extract fields from"
    ),
    "json_invalid": N_("Invalid JSON: {error}"),
    "json_type": N_("JSON input should be string, bytes or bytearray"),
    "value_error": N_("Value error, {error}"),
    "assertion_error": N_("Assertion failed, {error}"),
    "union_tag_invalid": N_(
        "Input tag '{tag}' found using {discriminator} does not match any of the expected "
        "tags: {expected_tags}"
    ),
    "union_tag_not_found": N_("Unable to extract tag using discriminator {discriminator}"),
    "recursion_loop": N_("Recursion error - cyclic reference detected"),
}

# pydantic's names of what is too short or too long (too_short, too_long: {field_type}).
FIELD_TYPES = {
    "List": N_("List"),
    "Tuple": N_("Tuple"),
    "Set": N_("Set"),
    "Dictionary": N_("Dictionary"),
    "Value": N_("Value"),
    "Data": N_("Data"),
}

# The app's own wording for a type (in every language).
OWN = {"finite_number": N_("must be a finite number (NaN and Infinity are not accepted)")}


def describe_error(error: dict) -> str:
    """The message of one pydantic error (an item of `errors()`), without its location."""
    kind = error.get("type")
    if kind in OWN:
        return gettext(OWN[kind])
    message = error.get("msg", "invalid")
    template = TEMPLATES.get(kind)
    if template is None:
        return message  # a custom error (PydanticCustomError) is worded where it is raised
    translated = gettext(template)
    if translated == template:
        return message
    ctx = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    if ctx.get("field_type") in FIELD_TYPES:
        ctx["field_type"] = gettext(FIELD_TYPES[ctx["field_type"]])
    if "expected" in ctx:  # pydantic joins the choices in English: "'max' or 'avg'"
        ctx["expected"] = ctx["expected"].replace(" or ", gettext(" or "))
    try:
        return translated.format_map(Defaults(ctx))
    except (ValueError, IndexError):
        return message


class Defaults(dict):
    """A placeholder the error's ctx lacks is left empty: pydantic's expected_plural ("s" in
    English, computed when it renders its own message) has no use in a language without plurals."""

    def __missing__(self, key):
        return ""
