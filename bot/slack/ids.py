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
