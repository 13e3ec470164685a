"""Slack's Block Kit limits as tables: which fields each block and element has, and their bounds."""

from __future__ import annotations

from slack_standin.blockkit.specs import AnyValue, Bool, ListOf, Num, Obj, Spec, Str, Text, Typed


def _plain(max_len: int) -> Text:
    return Text(max_len, plain=True)


ID = Str(255, min_len=1)
PLACEHOLDER = _plain(150)
STYLE = Str(7, choices=("primary", "danger"))
SELECT_OPTION = Obj({"text": _plain(75), "value": Str(150), "description": _plain(75)}, required=("text", "value"))
CHOICE_OPTION = Obj({"text": Text(75), "value": Str(150), "description": Text(75)}, required=("text", "value"))
OVERFLOW_OPTION = Obj(
    {"text": _plain(75), "value": Str(150), "description": _plain(75), "url": Str(3000)},
    required=("text", "value"),
)
OPTION_GROUP = Obj({"label": _plain(75), "options": ListOf(SELECT_OPTION, 100, 1)}, required=("label", "options"))
CONFIRM = Obj(
    {"title": _plain(100), "text": Text(300), "confirm": _plain(30), "deny": _plain(30), "style": STYLE},
    required=("title", "text", "confirm", "deny"),
)


def _element(fields: dict[str, Spec], *required: str | tuple[str, ...]) -> Obj:
    common: dict[str, Spec] = {"action_id": ID, "confirm": CONFIRM, "focus_on_load": Bool()}
    return Obj({**common, **fields}, required)


def _select(fields: dict[str, Spec], *required: str | tuple[str, ...]) -> Obj:
    return _element({"placeholder": PLACEHOLDER, **fields}, *required)


_MANY: dict[str, Spec] = {"max_selected_items": Num(1)}
_STATIC: dict[str, Spec] = {"options": ListOf(SELECT_OPTION, 100, 1), "option_groups": ListOf(OPTION_GROUP, 100, 1)}
_TYPED_INPUT: dict[str, Spec] = {"placeholder": PLACEHOLDER, "dispatch_action_config": AnyValue()}

ELEMENTS: dict[str, Obj] = {
    "button": Obj(
        {
            "action_id": ID,
            "text": _plain(75),
            "url": Str(3000),
            "value": Str(2000),
            "style": STYLE,
            "confirm": CONFIRM,
            "accessibility_label": Str(75),
        },
        required=("text",),
    ),
    "static_select": _select({**_STATIC, "initial_option": SELECT_OPTION}, ("options", "option_groups")),
    "multi_static_select": _select(
        {**_STATIC, **_MANY, "initial_options": ListOf(SELECT_OPTION, 100)}, ("options", "option_groups")
    ),
    "external_select": _select({"initial_option": SELECT_OPTION, "min_query_length": Num(0)}),
    "multi_external_select": _select(
        {**_MANY, "initial_options": ListOf(SELECT_OPTION, 100), "min_query_length": Num(0)}
    ),
    "users_select": _select({"initial_user": ID}),
    "multi_users_select": _select({**_MANY, "initial_users": ListOf(ID, 100)}),
    "conversations_select": _select(
        {
            "initial_conversation": ID,
            "default_to_current_conversation": Bool(),
            "response_url_enabled": Bool(),
            "filter": AnyValue(),
        }
    ),
    "multi_conversations_select": _select(
        {
            **_MANY,
            "initial_conversations": ListOf(ID, 100),
            "default_to_current_conversation": Bool(),
            "filter": AnyValue(),
        }
    ),
    "channels_select": _select({"initial_channel": ID, "response_url_enabled": Bool()}),
    "multi_channels_select": _select({**_MANY, "initial_channels": ListOf(ID, 100)}),
    "overflow": _element({"options": ListOf(OVERFLOW_OPTION, 5, 2)}, "options"),
    "datepicker": _select({"initial_date": Str(10, min_len=10)}),
    "timepicker": _select({"initial_time": Str(5, min_len=5), "timezone": Str(64)}),
    "datetimepicker": _element({"initial_date_time": Num(0)}),
    "plain_text_input": _element(
        {
            **_TYPED_INPUT,
            "initial_value": Str(3000),
            "multiline": Bool(),
            "min_length": Num(0, 3000),
            "max_length": Num(1, 3000),
        }
    ),
    "email_text_input": _element({**_TYPED_INPUT, "initial_value": Str(320)}),
    "url_text_input": _element({**_TYPED_INPUT, "initial_value": Str(3000)}),
    "number_input": _element(
        {
            **_TYPED_INPUT,
            "is_decimal_allowed": Bool(),
            "initial_value": Str(64),
            "min_value": Str(64),
            "max_value": Str(64),
        },
        "is_decimal_allowed",
    ),
    "radio_buttons": _element({"options": ListOf(CHOICE_OPTION, 10, 1), "initial_option": CHOICE_OPTION}, "options"),
    "checkboxes": _element(
        {"options": ListOf(CHOICE_OPTION, 10, 1), "initial_options": ListOf(CHOICE_OPTION, 10)}, "options"
    ),
    "rich_text_input": _element({**_TYPED_INPUT, "initial_value": AnyValue()}),
    "file_input": _element({"filetypes": ListOf(Str(32), 100), "max_files": Num(1, 10)}),
    "image": Obj(
        {"image_url": Str(3000), "slack_file": AnyValue(), "alt_text": Str(2000)},
        required=("alt_text", ("image_url", "slack_file")),
    ),
}

_SELECTS = frozenset(k for k in ELEMENTS if k.endswith("_select"))
_PICKERS = frozenset({"datepicker", "timepicker", "checkboxes", "radio_buttons"})
_TYPING = frozenset(k for k in ELEMENTS if k.endswith("_input"))
ACCESSORY = _SELECTS | _PICKERS | {"button", "overflow", "image"}
ACTIONS = _SELECTS | _PICKERS | (_TYPING - {"file_input"}) | {"button", "overflow", "datetimepicker"}
INPUTS = _SELECTS | _PICKERS | _TYPING | {"datetimepicker"}

_TEXT_ITEM = Obj({"text": Str(3000, min_len=1), "emoji": Bool(), "verbatim": Bool()}, required=("text",))
CONTEXT_ITEMS: dict[str, Obj] = {"image": ELEMENTS["image"], "plain_text": _TEXT_ITEM, "mrkdwn": _TEXT_ITEM}


def _block(fields: dict[str, Spec], *required: str | tuple[str, ...]) -> Obj:
    return Obj({"block_id": ID, **fields}, required)


BLOCKS: dict[str, Obj] = {
    "section": _block(
        {
            "text": Text(3000),
            "fields": ListOf(Text(2000), 10, 1),
            "accessory": Typed(ELEMENTS, ACCESSORY),
            "expand": Bool(),
        },
        ("text", "fields"),
    ),
    "header": _block({"text": _plain(150)}, "text"),
    "divider": _block({}),
    "context": _block({"elements": ListOf(Typed(CONTEXT_ITEMS), 10, 1)}, "elements"),
    "actions": _block({"elements": ListOf(Typed(ELEMENTS, ACTIONS), 25, 1)}, "elements"),
    "input": _block(
        {
            "label": _plain(2000),
            "element": Typed(ELEMENTS, INPUTS),
            "hint": _plain(2000),
            "optional": Bool(),
            "dispatch_action": Bool(),
        },
        "label",
        "element",
    ),
    "image": _block(
        {"image_url": Str(3000), "slack_file": AnyValue(), "alt_text": Str(2000), "title": _plain(2000)},
        "alt_text",
        ("image_url", "slack_file"),
    ),
    "rich_text": _block({"elements": ListOf(AnyValue(), 100, 1)}, "elements"),
    "markdown": _block({"text": Str(12000, min_len=1)}, "text"),
    "file": _block({"external_id": Str(255), "source": Str(16)}, "external_id", "source"),
    "video": _block(
        {
            "alt_text": Str(2000),
            "title": _plain(200),
            "title_url": Str(3000),
            "thumbnail_url": Str(3000),
            "video_url": Str(3000),
            "author_name": Str(50),
            "provider_name": Str(50),
            "provider_icon_url": Str(3000),
            "description": _plain(200),
        },
        "alt_text",
        "title",
        "thumbnail_url",
        "video_url",
    ),
}

MESSAGE_BLOCKS = frozenset(BLOCKS) - {"input"}
VIEW_BLOCKS = frozenset(BLOCKS)

_VIEW_COMMON: dict[str, Spec] = {
    "private_metadata": Str(3000),
    "callback_id": Str(255),
    "external_id": Str(255),
}
VIEWS: dict[str, Obj] = {
    "modal": Obj(
        {
            **_VIEW_COMMON,
            "title": _plain(24),
            "blocks": ListOf(Typed(BLOCKS, VIEW_BLOCKS), 100),
            "close": _plain(24),
            "submit": _plain(24),
            "clear_on_close": Bool(),
            "notify_on_close": Bool(),
            "submit_disabled": Bool(),
        },
        required=("title", "blocks"),
    ),
    "home": Obj({**_VIEW_COMMON, "blocks": ListOf(Typed(BLOCKS, VIEW_BLOCKS), 100)}, required=("blocks",)),
}
