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
