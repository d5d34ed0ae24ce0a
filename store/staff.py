"""The staff register in the store: who each OS account is, managed by the headteacher alone.

The register lives in meta.json (table ``staff``), so each change is committed with its
own audit entry naming the account that made it; the install's sharing (the group that
shares the data directory) is recorded beside the schema in the same file.
"""

from __future__ import annotations

from dataclasses import replace

from casework.authority import may_manage_staff
from casework.staff import Actor, Role, StaffError, StaffMember, StaffRegister
from store.db import META, Store, Transaction


def _member(doc: dict[str, object]) -> StaffMember:
    return StaffMember(
        account=str(doc["account"]),
        name=str(doc["name"]),
        email=str(doc["email"]),
        role=Role(str(doc["role"])),
    )


def register_in(tx: Transaction) -> StaffRegister:
    """The staff register as this transaction sees it."""
    members = tuple(sorted((_member(d) for d in tx.docs(META, "staff")), key=lambda m: m.account))
    return StaffRegister(members, shared=install_group(tx) is not None)


def install_group(tx: Transaction) -> str | None:
    """The group that shares the data directory (``conduct init --group``), None if private."""
    for doc in tx.docs(META, "meta"):
        group = doc.get("group")
        return str(group) if group else None
    return None


def load_register(store: Store) -> StaffRegister:
    """The staff register, read in one consistent view."""
    with store.reading() as tx:
        return register_in(tx)


def record_group(store: Store, group: str, actor: str) -> None:
    """Record that the install is shared by ``group`` (done once, by `conduct init --group`)."""
    with store.transaction(actor) as tx:
        meta = tx.table(META, "meta")
        meta.update({"group": group}, doc_ids=[1])
        tx.note(f"install shared by the group {group}")


class StaffBook:
    """Adds, edits and removes staff: only the headteacher, each change an audited entry."""

    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor

    def _check(self, tx: Transaction) -> StaffRegister:
        register = register_in(tx)
        if not may_manage_staff(self.actor):
            raise StaffError(
                f"only the headteacher manages staff; you are {self.actor.described}"
            )
        return register

    def add(self, member: StaffMember) -> StaffMember:
        """Put a new member on the register; their account must not be on it already."""
        with self.store.transaction(self.actor.name) as tx:
            register = self._check(tx)
            if register.get(member.account) is not None:
                raise StaffError(f"{member.account} is already on the staff register: use staff edit")
            if member.role is not Role.HEADTEACHER and not register.holders(Role.HEADTEACHER):
                raise StaffError(
                    "put the headteacher on the register first: only they manage staff"
                )
            tx.table(META, "staff").insert(_doc(member))
            tx.note(f"staff add {member.account} role={member.role} email={member.email}")
        return member

    def edit(
        self,
        account: str,
        *,
        name: str | None = None,
        email: str | None = None,
        role: str | None = None,
    ) -> StaffMember:
        """Change a member's name, address or role; the last headteacher stays one."""
        with self.store.transaction(self.actor.name) as tx:
            register = self._check(tx)
            current = register.get(account)
            if current is None:
                raise StaffError(f"{account} is not on the staff register")
            changes = {k: v for k, v in (("name", name), ("email", email), ("role", role)) if v}
            updated = replace(current, **changes)  # type: ignore[arg-type]
            _keep_a_head(register, account, updated.role)
            from tinydb import Query  # only a change to the register needs TinyDB

            tx.table(META, "staff").update(_doc(updated), Query().account == account)
            said = " ".join(f"{k}={v}" for k, v in changes.items())
            tx.note(f"staff edit {account} {said}".rstrip())
        return updated

    def remove(self, account: str) -> StaffMember:
        """Take a member off the register (their past events keep their account)."""
        with self.store.transaction(self.actor.name) as tx:
            register = self._check(tx)
            current = register.get(account)
            if current is None:
                raise StaffError(f"{account} is not on the staff register")
            _keep_a_head(register, account, None)
            from tinydb import Query

            tx.table(META, "staff").remove(Query().account == account)
            tx.note(f"staff remove {account} (was {current.role})")
        return current


def _keep_a_head(register: StaffRegister, account: str, new_role: Role | None) -> None:
    """Refuse a change that would leave nobody able to manage staff."""
    heads = [m for m in register.holders(Role.HEADTEACHER) if m.account != account]
    current = register.get(account)
    was_head = current is not None and current.role is Role.HEADTEACHER
    if was_head and not heads and new_role is not Role.HEADTEACHER:
        raise StaffError(
            f"{account} is the only headteacher on the register: add the new headteacher "
            "first, then change or remove this account"
        )


def _doc(member: StaffMember) -> dict[str, str]:
    return {
        "account": member.account,
        "name": member.name,
        "email": member.email,
        "role": member.role.value,
    }
