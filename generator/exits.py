"""Exit codes of the ``pasture`` command: one table feeds the code, ``--help`` and README.

A script (or a branch's scheduled task) tells what happened from the code alone.
"""

from __future__ import annotations

OK = 0
REJECTED = 1
USAGE = 2
BUSY = 3
INTERNAL = 4

#: code → what it means (Simplified Chinese, shown by ``pasture --help``).
EXIT_CODES: dict[int, str] = {
    OK: "全部通过（允许有警告）",
    REJECTED: "有行或文件被拒绝（报告里写明位置和改法；加 --exit-zero 时为 0）",
    USAGE: "用法错误：选项、日期、规则文件或输入文件夹不对，什么也没做",
    BUSY: "输出文件夹或历史库正被另一次运行使用，本次什么也没写",
    INTERNAL: "程序内部错误（不是数据的问题）：出错的文件在报告里标为无法使用，请把错误信息发给维护者",
}


def help_text() -> str:
    """The exit-code lines of the help text (a ``\\b`` block, so Click keeps the layout)."""
    return "\b\n退出码：\n" + "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES.items())
