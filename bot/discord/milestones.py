"""What members and moderators read about streak milestone roles."""

from __future__ import annotations


def milestone_text(days: int, role_id: int) -> str:
    """The learner's note when a streak milestone gave them a role."""
    return f"🏅 {days}-day streak! You now have the <@&{role_id}> role; it stays yours."


def milestone_roles_text(is_set: bool, days: int, roles: dict[int, int], can_grant: bool) -> str:
    """The moderator's reply to `/config milestone-role`: the change, every milestone, and
    what is missing when the bot cannot give roles."""
    head = (
        f"Members reaching a {days}-day streak now get <@&{roles[days]}>."
        if is_set
        else f"No role is given at {days} days any more (members keep roles they earned)."
    )
    listed = ", ".join(f"{d} days → <@&{r}>" for d, r in sorted(roles.items())) or "none"
    text = f"{head}\nMilestones: {listed}."
    if not can_grant and roles:
        text += (
            "\n⚠️ I can't give roles here: give me the **Manage Roles** permission and put my "
            "role above these roles in Server Settings → Roles. Members who reach a milestone "
            "before then get it at their next check-in."
        )
    return text
