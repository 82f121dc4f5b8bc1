#!/usr/bin/env python3
"""Keeps the code blocks of deepnet's Markdown documentation honest.

A code block preceded by a marker line

    <!-- snippet: examples/tutorial/train.cpp train -->

shows a file of the repository, or the region of it between the lines `// [train]` and
`// [end]` (`# [train]` and `# [end]` in CMake files), without the markers and with the
region's common indentation removed. Every other C++ block is compiled (see `extract`).

    doc_code.py check ROOT DOC.md... [--all-marked]
        fails, naming the line, when a marked block differs from what it shows; with
        --all-marked, also when a CMake block of the given documents has no marker (C++
        blocks without one are compiled by `extract`)
    doc_code.py update ROOT DOC.md...
        rewrites the marked blocks from their files
    doc_code.py quotes ROOT DOC.md...
        fails when a statement quoted in a table row (`...;`) is not in include/deepnet:
        notation.md points every formula at its line of code, which must still exist
    doc_code.py extract OUT.cpp DOC.md...
        writes one C++ file that compiles every unmarked C++ block: a block with its own
        `int main` as it is (renamed), any other block inside a function that provides the
        names fragments use (net; X, Y, X_train, Y_train, X_val, Y_val, X_test, Y_test as
        Eigen::MatrixXd; path, a std::string); #include lines go to the top

Python 3 standard library only.
"""

import re
import sys
from pathlib import Path

MARKER = re.compile(r"^<!--\s*snippet:\s*(\S+)(?:\s+(\S+))?\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
CPP_LANGUAGES = {"cpp", "c++", "cxx", "cc"}
CHECKED_LANGUAGES = CPP_LANGUAGES | {"cmake"}


class Block:
    """A fenced code block: its language, its lines, where it is, and its marker if any."""

    def __init__(self, doc, start, end, language, lines, marker):
        self.doc = doc  # the Markdown file
        self.start = start  # index of the opening fence line
        self.end = end  # index of the closing fence line
        self.language = language
        self.lines = lines
        self.marker = marker  # (path, region or None), or None

    def where(self):
        return "%s:%d" % (self.doc, self.start + 1)


def blocks_of(doc):
    """The fenced code blocks of a Markdown file, with the marker on the line before each."""
    lines = Path(doc).read_text(encoding="utf-8").split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        indent, ticks, language = fence.group(1), fence.group(2), fence.group(3).lower()
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(ticks[0] * len(ticks)):
            end += 1
        if end == len(lines):
            raise SystemExit("%s:%d: a code block is never closed" % (doc, i + 1))
        body = [line[len(indent):] if line.startswith(indent) else line for line in lines[i + 1:end]]
        marker = None
        previous = i - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        if previous >= 0:
            match = MARKER.match(lines[previous].strip())
            if match:
                marker = (match.group(1), match.group(2))
        blocks.append(Block(doc, i, end, language, body, marker))
        i = end + 1
    return blocks


def region_of(root, path, region):
    """The lines a marker shows: the whole file, or one region of it, dedented."""
    file = Path(root) / path
    if not file.is_file():
        raise LookupError("%s does not exist" % path)
    lines = file.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if region is None:
        return lines
    begin_marks = ("// [%s]" % region, "# [%s]" % region)
    starts = [i for i, line in enumerate(lines) if line.strip() in begin_marks]
    if len(starts) != 1:
        raise LookupError("%s has %d lines '// [%s]', expected one" % (path, len(starts), region))
    start = starts[0] + 1
    end = start
    while end < len(lines) and lines[end].strip() not in ("// [end]", "# [end]"):
        end += 1
    if end == len(lines):
        raise LookupError("region [%s] of %s has no '[end]' line" % (region, path))
    body = lines[start:end]
    indents = [len(line) - len(line.lstrip(" ")) for line in body if line.strip()]
    cut = min(indents) if indents else 0
    return [line[cut:] for line in body]


def check(root, docs, all_marked):
    problems = []
    for doc in docs:
        for block in blocks_of(doc):
            if block.marker is None:
                if all_marked and block.language in CHECKED_LANGUAGES - CPP_LANGUAGES:
                    problems.append("%s: this %s block has no '<!-- snippet: FILE [REGION] -->' "
                                    "line before it, so nothing checks it"
                                    % (block.where(), block.language))
                continue
            path, region = block.marker
            shown = "%s%s" % (path, " [%s]" % region if region else "")
            try:
                expected = region_of(root, path, region)
            except LookupError as error:
                problems.append("%s: %s" % (block.where(), error))
                continue
            if block.lines == expected:
                continue
            for n, (got, want) in enumerate(zip(block.lines, expected)):
                if got != want:
                    problems.append("%s: the block differs from %s at its line %d:\n"
                                    "    doc:  %s\n    file: %s"
                                    % (block.where(), shown, n + 1, got, want))
                    break
            else:
                problems.append("%s: the block has %d lines, %s has %d"
                                % (block.where(), len(block.lines), shown, len(expected)))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("%d code block problem(s); `%s update ROOT DOC...` copies the files into the "
              "documents" % (len(problems), sys.argv[0]), file=sys.stderr)
        return 1
    print("code blocks: ok (%s)" % ", ".join(docs))
    return 0


def update(root, docs):
    for doc in docs:
        lines = Path(doc).read_text(encoding="utf-8").split("\n")
        for block in reversed(blocks_of(doc)):
            if block.marker is not None:
                lines[block.start + 1:block.end] = region_of(root, *block.marker)
        Path(doc).write_text("\n".join(lines), encoding="utf-8")
    return 0


PREAMBLE = """\
// Generated by tests/docs/doc_code.py from the documentation: every C++ block of it must
// compile. Do not edit; edit the Markdown.
#include <deepnet/deepnet.hpp>
"""

# The names a fragment may use without declaring them: a network, data and a file name.
CONTEXT = """\
  // The names the documentation's fragments use.
  [[maybe_unused]] deepnet::DeepNet<> net({2, 3, 1});
  [[maybe_unused]] Eigen::MatrixXd X(2, 4), Y(1, 4), X_train(2, 4), Y_train(1, 4);
  [[maybe_unused]] Eigen::MatrixXd X_val(2, 4), Y_val(1, 4), X_test(2, 4), Y_test(1, 4);
  [[maybe_unused]] const std::string path = "data";
"""


def extract(out, docs):
    includes = []
    bodies = []
    count = 0
    for doc in docs:
        for block in blocks_of(doc):
            if block.marker is not None or block.language not in CPP_LANGUAGES:
                continue
            count += 1
            code = []
            for line in block.lines:
                if line.startswith("#include"):
                    if line.split("//")[0].strip() not in includes:
                        includes.append(line.split("//")[0].strip())
                else:
                    code.append(line)
            text = "\n".join(code).strip("\n")
            origin = "// %s" % block.where()
            if re.search(r"\bint\s+main\s*\(", text):
                text = re.sub(r"\bint\s+main\s*\(", "int doc_main_%d(" % count, text, count=1)
                bodies.append("%s\n%s\n" % (origin, text))
            else:
                if not text.rstrip().endswith((";", "}")):
                    text += "\n;"  # an expression shown alone (perhaps ending in a comment)
                indented = "\n".join("    " + line if line else line for line in text.split("\n"))
                bodies.append("%s\n[[maybe_unused]] void doc_block_%d() {\n%s  {\n%s\n  }\n}\n"
                              % (origin, count, CONTEXT, indented))
    source = PREAMBLE + "".join(line + "\n" for line in includes) + "\n" + "\n".join(bodies)
    source += "\nint main() { return 0; }\n"
    Path(out).write_text(source, encoding="utf-8")
    print("%s: %d code blocks from %s" % (out, count, ", ".join(docs)))
    return 0


def quotes(root, docs):
    """Every `statement;` quoted in a table row of the documents is in a header."""
    squeeze = lambda text: re.sub(r"\s+", " ", text)
    headers = sorted(Path(root, "include", "deepnet").rglob("*.hpp"))
    source = squeeze("\n".join(h.read_text(encoding="utf-8") for h in headers))
    problems = 0
    checked = 0
    for doc in docs:
        for number, line in enumerate(Path(doc).read_text(encoding="utf-8").split("\n"), 1):
            if not line.startswith("|"):
                continue
            for code in re.findall(r"`([^`]+;)`", line):
                checked += 1
                if squeeze(code) not in source:
                    problems += 1
                    print("%s:%d: `%s` is not in include/deepnet any more: point the row at the "
                          "code as it is now" % (doc, number, code), file=sys.stderr)
    if problems:
        return 1
    print("quoted code: ok (%d statements in %s)" % (checked, ", ".join(docs)))
    return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "check":
        all_marked = "--all-marked" in argv
        docs = [a for a in argv[2:] if a != "--all-marked"]
        return check(argv[1], docs, all_marked)
    if len(argv) >= 3 and argv[0] == "update":
        return update(argv[1], argv[2:])
    if len(argv) >= 3 and argv[0] == "quotes":
        return quotes(argv[1], argv[2:])
    if len(argv) >= 3 and argv[0] == "extract":
        return extract(argv[1], argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
