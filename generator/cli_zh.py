"""Click's own words (usage errors, help headings) in Simplified Chinese.

Click marks every message it prints with gettext (``_("Missing option")``), so a
catalogue keyed by those message ids translates them without touching how Click parses.
:func:`chinese_click` swaps Click's ``gettext``/``ngettext`` for lookups in this table
while one command runs, and puts them back afterwards, so nothing else in the process
(another Click program, a test) is affected. A message missing here stays English; the
CLI tests cover the common ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Message ids exactly as Click 8.x spells them; option names in messages stay as typed.
# Path messages drop Click's "{name}" (File/Path), which is fixed in English when the
# option is declared, before any translation could apply.
MESSAGES: dict[str, str] = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "Aborted!": "已中止。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Did you mean {possibility}?": "是不是 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是其中之一：{possibilities}？）",
    "Option {name!r} requires an argument.": "选项 {name!r} 后面要跟一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 后面要跟 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Got unexpected extra argument ({args})": "多了一个参数（{args}）",
    "Got unexpected extra arguments ({args})": "多了几个参数（{args}）",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值 {choices} 之一。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value} is not in the range {range}.": "{value} 不在允许范围 {range} 内。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是是/否值，可用：{states}",
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合格式 {formats} 中的任何一种。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{name} {filename!r} does not exist.": "{filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{filename!r} 是一个文件，这里需要文件夹。",
    "{name} {filename!r} is a directory.": "{filename!r} 是一个文件夹，这里需要文件。",
    "{name} {filename!r} is not readable.": "{filename!r} 无法读取（权限不足）。",
    "{name} {filename!r} is not writable.": "{filename!r} 无法写入（权限不足）。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
}
_MODULES = ("click.core", "click.exceptions", "click.types", "click.parser", "click.formatting",
            "click.decorators", "click.termui", "click.utils")


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)  # each form is in MESSAGES


@contextmanager
def chinese_click() -> Iterator[None]:
    """Click speaks Chinese inside the block (its gettext functions swapped, then restored)."""
    saved: list[tuple[Any, str, Any]] = []
    try:
        for name in _MODULES:
            module = importlib.import_module(name)
            for attr, fn in (("_", gettext), ("ngettext", ngettext)):
                if attr in vars(module):
                    saved.append((module, attr, vars(module)[attr]))
                    setattr(module, attr, fn)
        yield
    finally:
        for module, attr, original in reversed(saved):
            setattr(module, attr, original)
