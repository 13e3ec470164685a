"""Every callback_id, block_id and action_id the bot uses, in one place."""

INTAKE_CALLBACK = "intake_submit"
FLOW_BLOCK = "flow_pick"
FLOW_ACTION = "flow_pick"
DUPLICATE_BLOCK = "duplicate_choice"
DUPLICATE_ACTION = "duplicate_choice"
DUPLICATE_FOLLOW = "follow"
DUPLICATE_FILE_NEW = "file_new"
FIELD_ACTION = "value"
FIELD_BLOCK_PREFIX = "field_"

MESSAGE_SHORTCUT_CALLBACK = "escalate_message"  # the "Escalate this message" message shortcut

CASE_FOLLOW_ACTION = "case_follow"
CASE_ACTIONS_BLOCK = "case_actions"


def field_block(field_id: str) -> str:
    """The input block holding one intake field."""
    return FIELD_BLOCK_PREFIX + field_id


CASE_ACK_ACTION = "case_ack"
PAGE_PASS_ACTION = "page_pass"
OPEN_THREAD_ACTION = "open_thread"
PAGE_ACTIONS_BLOCK = "page_actions"

OVERRIDE_CALLBACK = "oncall_override"
OVERRIDE_SCHEDULE_BLOCK = "override_schedule"
OVERRIDE_LAYER_BLOCK = "override_layer"
OVERRIDE_USER_BLOCK = "override_user"
OVERRIDE_REPLACES_BLOCK = "override_replaces"
OVERRIDE_START_BLOCK = "override_start"
OVERRIDE_END_BLOCK = "override_end"
OVERRIDE_CANCEL_ACTION = "override_cancel"
ALL_LAYERS = "__all__"

CASE_TAKE_ACTION = "case_take"
CASE_MENU_ACTION = "case_menu"
CASE_DO_ACTION = "case_do"
CASE_ACTION_CALLBACK = "case_action"
CASE_TEXT_BLOCK = "case_text"
CASE_USER_BLOCK = "case_user"
CASE_SEVERITY_BLOCK = "case_severity"
CASE_OUTCOME_BLOCK = "case_outcome"
CASE_POLICY_BLOCK = "case_policy"
REP_REPLY_ACTION = "rep_reply"
REP_FOLLOW_UP_ACTION = "rep_follow_up"
CASE_GUIDE_BLOCK = "case_worth_a_guide"
WORTH_A_GUIDE = "worth_a_guide"

# Policy guidance: /ad-policy answers, articles at intake, withdrawal, the leads' review of drafts.
GUIDE_ANSWERED_ACTION = "guide_answered"  # value: "<search event id>:<guide id>"
GUIDE_ESCALATE_ACTION = "guide_escalate"  # value: the search event id
GUIDE_FORM_ANSWERED_ACTION = "guide_form_answered"  # in the intake form, before filing; value: guide id
GUIDE_WITHDRAW_ACTION = "guide_withdraw"  # in the filed view; value: "<case id>:<guide id>"
GUIDE_DRAFT_APPROVE_ACTION = "guide_draft_approve"  # value: "<draft id>:<version>"
GUIDE_DRAFT_EDIT_ACTION = "guide_draft_edit"
GUIDE_DRAFT_DISCARD_ACTION = "guide_draft_discard"
GUIDE_DRAFT_EDIT_CALLBACK = "guide_draft_edit"
GUIDE_TITLE_BLOCK = "guide_title"
GUIDE_AREA_BLOCK = "guide_area"
GUIDE_MARKETS_BLOCK = "guide_markets"
GUIDE_KEYWORDS_BLOCK = "guide_keywords"
GUIDE_URL_BLOCK = "guide_url"
GUIDE_BODY_BLOCK = "guide_body"

SWAP_CALLBACK = "oncall_swap"
SWAP_SHIFT_BLOCK = "swap_shift"
SWAP_WITH_BLOCK = "swap_with"
SWAP_TAKE_BLOCK = "swap_take"
SWAP_ACCEPT_ACTION = "swap_accept"
SWAP_DECLINE_ACTION = "swap_decline"
