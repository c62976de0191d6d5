"""Replies as Matrix messages: a plain body with numbered choices and the same as HTML.

Residents answer with the number or the label (the core resolves both), or a command with
`!` or `/`; clients that show HTML get the title in bold and the choices as a numbered list.
"""

from __future__ import annotations

import html
from typing import Any

from bot.conversation.messages import Reply


def render(reply: Reply) -> dict[str, Any]:
    plain = [reply.title] if reply.title else []
    plain.append(reply.text)
    formatted = [f"<b>{html.escape(reply.title)}</b>"] if reply.title else []
    formatted.append(html.escape(reply.text).replace("\n", "<br/>"))
    if reply.choices:
        plain.append("")
        if reply.numbered:
            plain += [f"{number}. {choice.shown_label}" for number, choice in enumerate(reply.choices, start=1)]
        else:
            plain += [f"• {choice.shown_label}" for choice in reply.choices]
        items = "".join(f"<li>{html.escape(choice.shown_label)}</li>" for choice in reply.choices)
        formatted.append(f"<ol>{items}</ol>" if reply.numbered else f"<ul>{items}</ul>")
    body = "\n".join(plain)
    formatted_body = "<br/>".join(formatted)
    if reply.right_to_left:
        formatted_body = f'<div dir="rtl">{formatted_body}</div>'
    return {"msgtype": "m.text", "body": body, "format": "org.matrix.custom.html", "formatted_body": formatted_body}
