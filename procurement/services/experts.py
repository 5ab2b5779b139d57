"""The expert pool's procurement side: specialities (service categories an expert evaluates) and
declared relations with organisations or legal representatives (实施条例 Art. 9), which the
committee draw reads. The person and the account are ``accounts``' (``expert_profile_create`` /
``expert_profile_update``). Managed by supervisors and the site administrator
(``accounts.manage_experts``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.models import ExpertProfile
from procurement.models import ExpertRelation, ExpertSpeciality
from vendors.models import Organisation, ServiceCategory


def _require(by: Any) -> None:
    if not by.has_perm("accounts.manage_experts"):
        raise NotAllowed()


@transaction.atomic
def expert_specialities_set(
    *, expert: ExpertProfile, categories: Iterable[ServiceCategory], by: Any
) -> list[int]:
    """Replace the expert's specialities with ``categories``; returns the category ids."""
    _require(by)
    expert = ExpertProfile.objects.select_for_update().get(pk=expert.pk)
    wanted = {c.pk for c in categories}
    have = set(ExpertSpeciality.objects.filter(expert=expert).values_list("category_id", flat=True))
    if wanted == have:
        return sorted(wanted)
    ExpertSpeciality.objects.filter(expert=expert).exclude(category_id__in=wanted).delete()
    ExpertSpeciality.objects.bulk_create(
        [ExpertSpeciality(expert=expert, category_id=pk) for pk in sorted(wanted - have)]
    )
    audit_record(
        actor=by,
        action="expert.specialities",
        obj=expert,
        summary={"added": sorted(wanted - have), "removed": sorted(have - wanted)},
    )
    return sorted(wanted)


@transaction.atomic
def expert_relation_add(
    *,
    expert: ExpertProfile,
    kind: str,
    by: Any,
    organisation: Organisation | None = None,
    person_name: str = "",
    ended_on: dt.date | None = None,
    note: str = "",
) -> ExpertRelation:
    """Record a declared relation; it excludes the expert from draws on tenders where the
    organisation (or a bidder whose legal representative is the person) bids, while it lasts and
    for 3 years after it ended."""
    _require(by)
    if kind not in ExpertRelation.Kind.values:
        raise DomainError(_("Choose the kind of relation."), field="kind")
    person_name = person_name.strip()
    if organisation is None and not person_name:
        raise DomainError(_("Name the organisation or the person."), field="organisation")
    relation = ExpertRelation.objects.create(
        expert=expert,
        kind=kind,
        organisation=organisation,
        person_name=person_name,
        ended_on=ended_on,
        note=note.strip()[:300],
    )
    audit_record(
        actor=by,
        action="expert.relation_add",
        obj=expert,
        summary={
            "relation": relation.pk,
            "kind": kind,
            "organisation": organisation.pk if organisation else None,
            "person": person_name,
            "ended_on": ended_on,
        },
    )
    return relation


@transaction.atomic
def expert_relation_end(*, relation: ExpertRelation, ended_on: dt.date, by: Any) -> ExpertRelation:
    """Record the day a relation ended (it still counts for 3 years after). Never deleted: the draw
    records refer to the exclusions it caused."""
    _require(by)
    relation = ExpertRelation.objects.select_for_update().select_related("expert").get(pk=relation.pk)
    if relation.ended_on is not None:
        raise DomainError(_("This relation has already ended."))
    relation.ended_on = ended_on
    relation.save(update_fields=["ended_on"])
    audit_record(
        actor=by,
        action="expert.relation_end",
        obj=relation.expert,
        summary={"relation": relation.pk, "ended_on": ended_on},
    )
    return relation


def expert_pool(category: ServiceCategory | None = None) -> Any:
    """The pool for the management page: one query for the experts, two prefetches."""
    qs = (
        ExpertProfile.objects.select_related("user")
        .prefetch_related("specialities__category", "relations__organisation")
        .order_by("user__full_name", "pk")
    )
    if category is not None:
        qs = qs.filter(specialities__category=category)
    return qs


@transaction.atomic
def expert_add(
    *,
    email: str,
    full_name: str,
    affiliation: str,
    categories: Iterable[ServiceCategory],
    by: Any,
    title: str = "",
    declared_relations: str = "",
) -> ExpertProfile:
    """Add an expert with their specialities in one step (the account and its set-password e-mail
    from ``accounts``)."""
    from accounts.services import expert_profile_create

    _require(by)
    categories = list(categories)
    if not categories:
        raise DomainError(_("Choose at least one speciality."), field="categories")
    profile = expert_profile_create(
        email=email,
        full_name=full_name,
        affiliation=affiliation,
        title=title,
        declared_relations=declared_relations,
        by=by,
    )
    expert_specialities_set(expert=profile, categories=categories, by=by)
    return profile


@transaction.atomic
def expert_update(
    *,
    expert: ExpertProfile,
    affiliation: str,
    title: str,
    declared_relations: str,
    in_pool: bool,
    is_active: bool,
    categories: Iterable[ServiceCategory],
    by: Any,
) -> ExpertProfile:
    """Edit the profile and the specialities together."""
    from accounts.services import expert_profile_update

    _require(by)
    profile = expert_profile_update(
        profile=expert,
        affiliation=affiliation,
        title=title,
        declared_relations=declared_relations,
        in_pool=in_pool,
        is_active=is_active,
        by=by,
    )
    expert_specialities_set(expert=profile, categories=categories, by=by)
    return profile
