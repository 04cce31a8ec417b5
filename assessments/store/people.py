"""People and their roles: who has signed in (or typed a name, in local mode) and what an admin
allowed them. Each change is an audit event of the record type 'person' in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from assessments.errors import ConflictError, NotFoundError
from assessments.identity import (
    FIRST_PERSON_ROLES,
    LOCAL_NEWCOMER_ROLES,
    ROLE_LABELS,
    SIGNED_IN_NEWCOMER_ROLES,
    Actor,
    Permission,
    Role,
    requires,
)
from assessments.store.db import Database, Transaction

ENTITY = "person"


def encode_roles(roles: Iterable[Role]) -> str:
    return ",".join(sorted(Role(role).value for role in roles))


def decode_roles(stored: str | None) -> frozenset[Role]:
    known = {role.value for role in Role}
    return frozenset(Role(part) for part in (stored or "").split(",") if part in known)


@dataclass(frozen=True)
class Person:
    subject: str
    name: str
    email: str
    roles: frozenset[Role]
    verified: bool


def _state(name: str, email: str, roles: Iterable[Role], verified: bool) -> dict[str, object]:
    return {"name": name, "email": email, "roles": encode_roles(roles), "verified": verified}


def _read(source: Transaction | Database, subject: str) -> Person | None:
    sql = "SELECT subject, name, email, roles, verified FROM people WHERE subject = ?"
    row = (
        source.fetchone(sql, [subject])
        if isinstance(source, Transaction)
        else source.query_one(sql, [subject])
    )
    if row is None:
        return None
    return Person(row[0], row[1], row[2], decode_roles(row[3]), bool(row[4]))


def sign_in(database: Database, actor: Actor) -> frozenset[Role]:
    """Record a person on their first sign-in (the first person of the database gets every
    role; later ones the newcomer roles of their mode) or a change of the name or e-mail their
    provider sends; returns the roles stored for them. Writes only when something changed."""
    known = _read(database, actor.subject)
    if known is not None and (known.name, known.email) == (actor.name, actor.email):
        return known.roles

    def work(transaction: Transaction) -> frozenset[Role]:
        current = _read(transaction, actor.subject)
        if current is None:
            anyone = transaction.fetchone("SELECT count(*) FROM people")
            if anyone is not None and anyone[0] == 0:
                roles = FIRST_PERSON_ROLES
            else:
                roles = SIGNED_IN_NEWCOMER_ROLES if actor.verified else LOCAL_NEWCOMER_ROLES
            transaction.execute(
                "INSERT INTO people (subject, name, email, roles, verified, first_seen,"
                " updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    actor.subject,
                    actor.name,
                    actor.email,
                    encode_roles(roles),
                    actor.verified,
                    transaction.at,
                    transaction.at,
                    transaction.actor,
                ],
            )
            labels = ", ".join(ROLE_LABELS[role] for role in sorted(roles))
            transaction.audit(
                "create",
                ENTITY,
                actor.subject,
                None,
                _state(actor.name, actor.email, roles, actor.verified),
                f"{actor.name} used the workbench for the first time (roles: {labels})",
            )
            return roles
        if (current.name, current.email) == (actor.name, actor.email):
            return current.roles
        transaction.execute(
            "UPDATE people SET name = ?, email = ?, updated_at = ?, updated_by = ?"
            " WHERE subject = ?",
            [actor.name, actor.email, transaction.at, transaction.actor, actor.subject],
        )
        transaction.audit(
            "update",
            ENTITY,
            actor.subject,
            _state(current.name, current.email, current.roles, current.verified),
            _state(actor.name, actor.email, current.roles, current.verified),
            f"{current.name} is now known as {actor.label}",
        )
        return current.roles

    return database.write(actor.with_roles(()), work)


def stored_roles(database: Database, subject: str) -> frozenset[Role]:
    """The roles an admin gave this person (none when unknown)."""
    person = _read(database, subject)
    return person.roles if person else frozenset()


@requires(Permission.MANAGE_PEOPLE)
def set_roles(database: Database, actor: Actor | str, subject: str, roles: Iterable[Role]) -> None:
    """Give a person exactly these roles. The last admin cannot give up the admin role: a
    database nobody can administer could not be repaired from the app."""
    wanted = frozenset(Role(role) for role in roles)

    def work(transaction: Transaction) -> None:
        current = _read(transaction, subject)
        if current is None:
            raise NotFoundError("That person has not signed in yet.")
        if current.roles == wanted:
            return
        if Role.ADMIN in current.roles and Role.ADMIN not in wanted:
            admins = transaction.fetchall("SELECT roles FROM people WHERE subject <> ?", [subject])
            if not any(Role.ADMIN in decode_roles(row[0]) for row in admins):
                raise ConflictError(
                    f"{current.name} is the only admin: give someone else the Admin role first."
                )
        transaction.execute(
            "UPDATE people SET roles = ?, updated_at = ?, updated_by = ? WHERE subject = ?",
            [encode_roles(wanted), transaction.at, transaction.actor, subject],
        )
        shown = ", ".join(ROLE_LABELS[role] for role in sorted(wanted)) or "none"
        transaction.audit(
            "update",
            ENTITY,
            subject,
            _state(current.name, current.email, current.roles, current.verified),
            _state(current.name, current.email, wanted, current.verified),
            f"Roles of {current.name}: {shown}",
        )

    database.write(actor, work)


def list_people(database: Database) -> pd.DataFrame:
    """Everyone who has used the workbench, by name. Columns: subject, name, email, roles
    (comma-separated keys), verified, first_seen, updated_at, updated_by."""
    return database.query_df(
        "SELECT subject, name, email, roles, verified, first_seen, updated_at, updated_by"
        " FROM people ORDER BY lower(name), subject"
    )
