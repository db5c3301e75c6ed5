"""Every API operation is checked against the policy table under its own operation id (one decorator)."""

from dryneedle.accounts import policy
from dryneedle.api import api


def operations():
    # The operations as served: ninja applies the API's decorators to each mounted copy.
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            yield from path_view.operations


def test_every_operation_is_named_once_and_has_a_policy_row():
    ops = list(operations())
    assert len(ops) >= 51
    for op in ops:
        # The policy decorator asks under the function's name: it must be the operation id.
        assert op.operation_id == op.view_func.__wrapped__.__name__, op.operation_id
        assert "api:" + op.operation_id in policy.POLICY, op.operation_id


def test_every_operation_is_wrapped_by_the_policy_check():
    for op in operations():
        assert op.view_func.__code__.co_name == "checked", op.operation_id


def _input_schemas():
    # Request bodies forbid unknown fields (model_config extra="forbid"); every app's schemas module is loaded
    # with the API.
    from ninja import Schema

    seen, todo = [], list(Schema.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("dryneedle.") and cls.model_config.get("extra") == "forbid":
            seen.append(cls)
    return seen


def test_numbers_and_yes_no_in_request_bodies_are_not_guessed_from_other_types():
    """JSON has numbers and true/false: `0` is not "no", `false` is not 0, `"1"` is not 1 (schemathesis found
    `"sign": 0` and `"offset": false` accepted). A field that takes a number or a yes/no refuses the others."""
    import typing

    import pydantic

    schemas = _input_schemas()
    assert len(schemas) >= 20
    checked = 0
    for cls in schemas:
        for name, field in cls.model_fields.items():
            kinds = {a for a in typing.get_args(field.annotation) or (field.annotation,) if a in (bool, int)}
            if not kinds:
                continue
            wrong = [0, "true"] if bool in kinds else [False, "1", 1.5]
            for value in wrong:
                try:
                    cls.model_validate({name: value})
                    errors = []
                except pydantic.ValidationError as e:
                    errors = [err for err in e.errors() if err["loc"][:1] == (field.alias or name,)]
                assert errors, f"{cls.__module__}.{cls.__name__}.{name} accepted {value!r}"
                checked += 1
    assert checked >= 40
