"""A realistic small ads team to start from: reps, specialists, leads, their channels and groups."""

from __future__ import annotations

from dataclasses import replace

from slack_standin.workspace.model import BotIdentity, Channel, User, UserGroup, Workspace

BOT = BotIdentity()
REPS = (
    User("U0REP1", "mei.tan", "Mei Tan", "mei.tan@adsco.test", "Asia/Singapore", "Sales rep", locale="en-GB"),
    User("U0REP2", "arjun.rao", "Arjun Rao", "arjun.rao@adsco.test", "Asia/Kolkata", "Sales rep", locale="en-IN"),
    User(
        "U0REP3",
        "sophie.martin",
        "Sophie Martin",
        "sophie.martin@adsco.test",
        "Europe/Paris",
        "Sales rep",
        locale="fr-FR",
    ),
)
SPECIALISTS = (
    User("U0SPEC1", "li.wei", "Li Wei", "li.wei@adsco.test", "Asia/Singapore", "Policy specialist", locale="zh-CN"),
    User(
        "U0SPEC2", "hana.sato", "Hana Sato", "hana.sato@adsco.test", "Asia/Tokyo", "Policy specialist", locale="ja-JP"
    ),
    User("U0SPEC3", "diego.ramos", "Diego Ramos", "diego.ramos@adsco.test", "America/Los_Angeles", "Specialist"),
)
LEADS = (
    User("U0LEAD1", "priya.nair", "Priya Nair", "priya.nair@adsco.test", "Asia/Singapore", "Ads ops lead"),
    User(
        "U0LEAD2", "tom.becker", "Tom Becker", "tom.becker@adsco.test", "Europe/Berlin", "Ads ops lead", locale="de-DE"
    ),
)
OUTSIDER = User("U0GUEST", "guest.user", "Guest User", "guest@partner.test", "UTC", "Guest")
OTHER_BOT = User("U0OTHERBOT", "other-bot", "Other Bot", "", "UTC", is_bot=True)


def _ids(*groups: tuple[User, ...]) -> set[str]:
    return {user.id for group in groups for user in group}


def default_workspace() -> Workspace:
    """A fresh workspace: 3 reps, 3 specialists, 2 leads, #ads-escalations, #ads-leads, #sales-apac…"""
    everyone = _ids(REPS, SPECIALISTS, LEADS)
    channels = (
        Channel("C0ESCALATE", "ads-escalations", everyone | {BOT.user_id}, topic="Urgent ads escalations"),
        Channel("C0LEADS", "ads-leads", _ids(LEADS) | {BOT.user_id}, topic="Leads: digests and misses"),
        Channel("C0SALES", "sales-apac", _ids(REPS, LEADS) | {BOT.user_id}, topic="APAC sales"),
        Channel("C0POLICY", "ads-policy-private", _ids(SPECIALISTS, LEADS) | {BOT.user_id}, is_private=True),
        Channel("C0RANDOM", "random", everyone | {OUTSIDER.id}),
        Channel("C0OLD", "old-escalations", everyone | {BOT.user_id}, is_archived=True),
    )
    groups = (
        UserGroup("S0SPECS", "ads-specialists", "Ads specialists", sorted(_ids(SPECIALISTS))),
        UserGroup("S0LEADS", "ads-leads", "Ads leads", sorted(_ids(LEADS))),
        UserGroup("S0OLD", "old-team", "Old team", ["U0REP3"], is_disabled=True),
    )
    return Workspace(
        bot=BOT,
        users=[replace(user) for user in (*REPS, *SPECIALISTS, *LEADS, OUTSIDER, OTHER_BOT)],
        channels=channels,
        usergroups=groups,
    )
