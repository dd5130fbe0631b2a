"""Entry fields for the audit data the benchmark generates."""

from pic_obs import Mutation
from pic_obs_audit.entry import fields_of

PEOPLE = ["admin", "bob", "carol", "dave"]


def fields(i: int) -> dict:
    return fields_of(Mutation(
        ts="", actor=PEOPLE[i % 4], role="admin", ip=f"10.0.0.{i % 250}", method="POST",
        path="/api/peers", action="peer_add", target_type="peer", target_id=f"p{i:06d}",
        status=201, result="success", keys=("name",),
    ))
