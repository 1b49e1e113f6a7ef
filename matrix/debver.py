"""Debian version ordering (deb-version(7)), enough to sort kernel images."""
import functools
import re


def split(version: str) -> tuple[int, str, str]:
    epoch, _, rest = version.rpartition(":") if ":" in version else ("0", "", version)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
    return int(epoch or 0), upstream, revision


def order(char: str) -> int:
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def compare_part(left: str, right: str) -> int:
    for a, b in zip(re.findall(r"\D*\d*", left), re.findall(r"\D*\d*", right)):
        ta, na = re.match(r"(\D*)(\d*)", a).groups()
        tb, nb = re.match(r"(\D*)(\d*)", b).groups()
        ka = [order(c) for c in ta] + [0]
        kb = [order(c) for c in tb] + [0]
        width = max(len(ka), len(kb))
        ka += [0] * (width - len(ka))
        kb += [0] * (width - len(kb))
        if ka != kb:
            return -1 if ka < kb else 1
        if int(na or 0) != int(nb or 0):
            return -1 if int(na or 0) < int(nb or 0) else 1
    # the longer one wins unless its extra part starts with "~"
    rest_a, rest_b = left[len(common(left, right)):], right[len(common(left, right)):]
    if rest_a == rest_b:
        return 0
    return compare_tail(rest_a, rest_b)


def common(left: str, right: str) -> str:
    size = 0
    while size < min(len(left), len(right)) and left[size] == right[size]:
        size += 1
    return left[:size]


def compare_tail(a: str, b: str) -> int:
    ka = [order(c) for c in a] + [0]
    kb = [order(c) for c in b] + [0]
    return -1 if ka < kb else (1 if ka > kb else 0)


def compare(left: str, right: str) -> int:
    el, ul, rl = split(left)
    er, ur, rr = split(right)
    if el != er:
        return -1 if el < er else 1
    return compare_part(ul, ur) or compare_part(rl, rr)


sort_key = functools.cmp_to_key(compare)
