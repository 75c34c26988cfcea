"""A structural reader of Bicep files, for checking infra/ without the Bicep CLI.

The CLI is not in any package registry this project can reach (it is published on GitHub and
NuGet), and `bicep build` would also fetch the Azure Verified Modules from the Microsoft
container registry, so CI lints the files structurally instead (docs/deployment.md says so).

`tokens()` splits a file into code tokens, with strings (and the code inside their `${...}`
interpolations) and comments accounted for, so brackets are matched as the compiler would.
`parse()` finds the declarations: params (with decorators and whether they have a default),
vars, modules (path and the keys of their `params`), resources and outputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUMBER = re.compile(r"\d+(\.\d+)?")
OPENERS = {"{": "}", "[": "]", "(": ")"}


class BicepSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    kind: str  # "ident", "string", "number", "punct"
    text: str
    line: int


def _read_string(text: str, i: int, line: int, out: list[Token]) -> tuple[int, int]:
    """A '...' string starting at text[i]; the code of its interpolations is tokenized too."""
    if text.startswith("'''", i):
        end = text.find("'''", i + 3)
        if end < 0:
            raise BicepSyntaxError(f"line {line}: a ''' string is not closed")
        out.append(Token("string", text[i + 3:end], line))
        return end + 3, line + text.count("\n", i, end)
    j = i + 1
    literal = ""
    while True:
        if j >= len(text) or text[j] == "\n":
            raise BicepSyntaxError(f"line {line}: a string is not closed")
        if text[j] == "\\":
            literal += text[j:j + 2]
            j += 2
        elif text[j] == "'":
            out.append(Token("string", literal, line))
            return j + 1, line
        elif text.startswith("${", j):
            start = len(out)
            j, line = _tokenize(text, j + 2, line, out, closing="}")
            literal += "${" + " ".join(t.text for t in out[start:]) + "}"
        else:
            literal += text[j]
            j += 1


def _skip(text: str, i: int, line: int) -> tuple[int, int] | None:
    """Past whitespace or a comment at text[i], or None if there is neither."""
    if text[i] == "\n":
        return i + 1, line + 1
    if text[i].isspace():
        return i + 1, line
    if text.startswith("//", i):
        end = text.find("\n", i)
        return (end if end >= 0 else len(text)), line
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        if end < 0:
            raise BicepSyntaxError(f"line {line}: a /* comment is not closed")
        return end + 2, line + text.count("\n", i, end)
    return None


def _word(text: str, i: int, line: int, out: list[Token]) -> int:
    """An identifier, a number or an operator at text[i]; the index after it."""
    if (m := IDENT.match(text, i)) is not None:
        out.append(Token("ident", m.group(0), line))
        return m.end()
    if (m := NUMBER.match(text, i)) is not None:
        out.append(Token("number", m.group(0), line))
        return m.end()
    width = 2 if text[i:i + 2] in ("==", "!=", "<=", ">=", "&&", "||", "=>", "??", ".?") else 1
    out.append(Token("punct", text[i:i + width], line))
    return i + width


def _tokenize(text: str, i: int, line: int, out: list[Token], closing: str | None = None
              ) -> tuple[int, int]:
    stack: list[tuple[str, int]] = []
    while i < len(text):
        c = text[i]
        if (skipped := _skip(text, i, line)) is not None:
            i, line = skipped
        elif c == "'":
            i, line = _read_string(text, i, line, out)
        elif c in OPENERS:
            stack.append((c, line))
            out.append(Token("punct", c, line))
            i += 1
        elif c in ")]}":
            if not stack and closing == c:
                return i + 1, line
            if not stack or OPENERS[stack[-1][0]] != c:
                raise BicepSyntaxError(f"line {line}: {c!r} closes nothing that is open")
            stack.pop()
            out.append(Token("punct", c, line))
            i += 1
        else:
            i = _word(text, i, line, out)
    if closing is not None:
        raise BicepSyntaxError(f"line {line}: an interpolation is not closed")
    if stack:
        opener, at = stack[-1]
        raise BicepSyntaxError(f"line {at}: {opener!r} is never closed")
    return i, line


def tokens(text: str) -> list[Token]:
    out: list[Token] = []
    _tokenize(text, 0, 1, out)
    return out


@dataclass
class Param:
    name: str
    type: str
    has_default: bool
    decorators: list[str]
    line: int


@dataclass
class Module:
    symbol: str
    path: str
    param_keys: list[str]
    line: int


@dataclass
class BicepFile:
    path: Path
    tokens: list[Token]
    params: dict[str, Param] = field(default_factory=dict)
    variables: dict[str, int] = field(default_factory=dict)
    modules: dict[str, Module] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)  # symbol -> type@api
    outputs: dict[str, int] = field(default_factory=dict)

    @property
    def declared(self) -> set[str]:
        return {*self.params, *self.variables, *self.modules, *self.resources}


def _block_end(toks: list[Token], start: int) -> int:
    """Index just past the bracket group opened at toks[start]."""
    depth = 0
    for k in range(start, len(toks)):
        if toks[k].kind == "punct" and toks[k].text in OPENERS:
            depth += 1
        elif toks[k].kind == "punct" and toks[k].text in ")]}":
            depth -= 1
            if depth == 0:
                return k + 1
    raise BicepSyntaxError("unbalanced block")


def top_level_keys(toks: list[Token], start: int) -> list[str]:
    """The keys of the object literal opened at toks[start] (its own level only)."""
    keys: list[str] = []
    end = _block_end(toks, start)
    k = start + 1
    while k < end - 1:
        t = toks[k]
        if t.kind == "punct" and t.text in OPENERS:
            k = _block_end(toks, k)
            continue
        if t.kind in ("ident", "string") and toks[k + 1].text == ":" and (
                toks[k - 1].text in ("{",) or toks[k - 1].line < t.line):
            keys.append(t.text)
        k += 1
    return keys


def module_param_keys(toks: list[Token], body: int) -> list[str]:
    end = _block_end(toks, body)
    depth = 0
    for k in range(body, end):
        t = toks[k]
        if t.text in OPENERS and t.kind == "punct":
            depth += 1
        elif t.text in ")]}" and t.kind == "punct":
            depth -= 1
        elif depth == 1 and t.text == "params" and toks[k + 1].text == ":":
            return top_level_keys(toks, k + 2)
    return []


def parse(path: Path) -> BicepFile:
    toks = tokens(path.read_text(encoding="utf-8"))
    found = BicepFile(path=path, tokens=toks)
    decorators: list[str] = []
    depth = 0
    for k, t in enumerate(toks):
        if t.kind == "punct" and t.text in OPENERS:
            depth += 1
        elif t.kind == "punct" and t.text in ")]}":
            depth -= 1
        if depth != 0 or t.kind != "ident":
            continue
        if k > 0 and toks[k - 1].text == "@":
            decorators.append(t.text)
            continue
        starts_line = k == 0 or toks[k - 1].line < t.line or toks[k - 1].text == ")"
        if not starts_line or k + 1 >= len(toks):
            continue
        name = toks[k + 1].text
        if t.text == "param":
            rest = [x for x in toks[k + 2:] if x.line == t.line]
            has_default = any(x.text == "=" for x in rest)
            found.params[name] = Param(name, toks[k + 2].text, has_default, decorators, t.line)
        elif t.text == "var":
            found.variables[name] = t.line
        elif t.text == "output":
            found.outputs[name] = t.line
        elif t.text == "module":
            body = next(j for j in range(k + 3, len(toks)) if toks[j].text == "{")
            found.modules[name] = Module(name, toks[k + 2].text, module_param_keys(toks, body),
                                         t.line)
        elif t.text == "resource":
            found.resources[name] = toks[k + 2].text
        else:
            continue
        decorators = []
    return found
