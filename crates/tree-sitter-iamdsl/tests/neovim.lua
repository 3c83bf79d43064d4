-- Neovim with editors/neovim and no parser installed: the regex syntax file colours; then
-- require("iamdsl").build_parser() compiles the committed tree-sitter parser, and the buffer (and
-- the next one opened) is coloured by tree-sitter with the highlight query of editors/neovim.
--
-- Run by tests/neovim.rs as `IAMDSL_FILE=<a .iamdsl file> nvim --headless -n -i NONE -u neovim.lua`
-- with XDG_DATA_HOME in a temporary directory. Exits 0 when every check passed; otherwise 1,
-- naming the check on stderr.

local here = vim.fs.dirname(debug.getinfo(1, "S").source:sub(2))
local plugin = vim.fn.simplify(here .. "/../../../editors/neovim")
vim.opt.runtimepath:prepend(plugin)

local file = assert(os.getenv("IAMDSL_FILE"), "IAMDSL_FILE is not set")
local checks = 0

local function fail(message)
  io.stderr:write("FAIL: " .. message .. "\n")
  vim.cmd("cquit! 1")
end

local function check(condition, message)
  if not condition then
    fail(message)
  end
  checks = checks + 1
end

-- The position (0-based row and column) of the first `text` in the buffer.
local function find(text)
  for row, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local col = line:find(text, 1, true)
    if col then
      return row - 1, col - 1
    end
  end
  fail("no " .. text .. " in the buffer")
end

local function syntax_group(text)
  local row, col = find(text)
  return vim.fn.synIDattr(vim.fn.synID(row + 1, col + 1, 1), "name")
end

local function captures(text)
  local row, col = find(text)
  local names = {}
  for _, capture in ipairs(vim.treesitter.get_captures_at_pos(0, row, col)) do
    table.insert(names, capture.capture)
  end
  return table.concat(names, " ")
end

local function main()
vim.cmd.edit(vim.fn.fnameescape(file))
check(vim.bo.filetype == "iamdsl", "filetype is " .. vim.bo.filetype)

-- No parser yet: the syntax file.
check(vim.treesitter.highlighter.active[vim.api.nvim_get_current_buf()] == nil, "tree-sitter without a parser")
check(vim.b.current_syntax == "iamdsl", "the syntax file is not loaded")
check(syntax_group("role") == "iamdslDeclaration", "syntax of `role`: " .. syntax_group("role"))
check(syntax_group("max_session") == "iamdslProperty", "syntax of `max_session`: " .. syntax_group("max_session"))
check(syntax_group("std.s3") == "iamdslStdPath", "syntax of `std.s3`: " .. syntax_group("std.s3"))

-- Without a compiler: a message, not an error.
local missing, why = require("iamdsl").build_parser({ cc = "/nonexistent/cc" })
check(missing == nil and type(why) == "string" and why ~= "", "build_parser without a compiler: " .. tostring(why))
check(vim.treesitter.highlighter.active[vim.api.nvim_get_current_buf()] == nil, "tree-sitter without a parser built")

local parser, err = require("iamdsl").build_parser()
check(parser ~= nil, "build_parser: " .. tostring(err))
check(vim.uv.fs_stat(parser) ~= nil, "no parser at " .. tostring(parser))
check(vim.startswith(parser, vim.fn.stdpath("data")), parser .. " is not under stdpath('data')")

local function check_highlights(buf)
  check(vim.treesitter.highlighter.active[buf] ~= nil, "tree-sitter is not highlighting buffer " .. buf)
  check(vim.bo[buf].syntax == "", "the syntax file colours buffer " .. buf .. " too")
  -- The highlighter parses when it draws; headless, nothing is drawn.
  vim.treesitter.get_parser(buf):parse(true)
  for text, expected in pairs({
    ["role"] = "keyword",
    ["deployer"] = "type.definition",
    ["max_session"] = "keyword",
    ["s3:GetObject"] = "function",
    ["aws:SourceIp"] = "variable.builtin",
    ["std"] = "module",
    ["read_only"] = "function.call",
    ['"acme'] = "string",
    ["12h"] = "number",
    ["// trailing"] = "comment",
    ["/// Deploys"] = "comment.documentation",
  }) do
    local found = captures(text)
    check(vim.list_contains(vim.split(found, " "), expected), ("`%s` is captured as '%s', not %s"):format(text, found, expected))
  end
end

check_highlights(vim.api.nvim_get_current_buf())

-- The next buffer gets tree-sitter from the ftplugin.
vim.cmd("enew")
vim.api.nvim_buf_set_lines(0, 0, -1, false, vim.fn.readfile(file))
vim.bo.filetype = "iamdsl"
check_highlights(vim.api.nvim_get_current_buf())

io.stdout:write(("neovim: %d checks passed\n"):format(checks))
vim.cmd("qall!")
end

-- After startup, when filetype detection and syntax are on, as for a user opening a file.
vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  nested = true,
  callback = function()
    local ok, err = pcall(main)
    if not ok then
      fail(tostring(err))
    end
  end,
})
