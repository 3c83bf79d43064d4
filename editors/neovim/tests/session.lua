-- A user's session in Neovim 0.11, with this directory's configuration and `iamdsl lsp`: attach,
-- diagnostics appear and clear, the quick fix, completion as typed, hover, go to definition,
-- rename across files, formatting on save, semantic tokens.
--
-- Run by crates/cli/tests/neovim.rs as
--   IAMDSL_PROJECT=<copy of examples/platform> nvim --headless -n -i NONE -u session.lua
-- with `iamdsl` on PATH. Exits 0 when every check passed; otherwise 1, naming the check on stderr.

local here = vim.fs.dirname(debug.getinfo(1, "S").source:sub(2))
local plugin = vim.fs.dirname(here)
vim.opt.runtimepath:prepend(plugin)
require("iamdsl").setup()

local project = assert(os.getenv("IAMDSL_PROJECT"), "IAMDSL_PROJECT is not set")
-- Headless output is the test's log: no mode messages in it.
vim.o.showmode = false
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

-- Waits (letting Neovim run: the server's messages, timers, typed keys) until `condition()`
-- returns a value, and returns it.
local function wait(what, condition)
  local deadline = vim.uv.now() + 20000
  while true do
    local ok, value = pcall(condition)
    if ok and value then
      return value
    end
    if vim.uv.now() > deadline then
      fail("timed out waiting for " .. what .. (ok and "" or (": " .. tostring(value))))
    end
    local me = coroutine.running()
    vim.defer_fn(function()
      local resumed, err = coroutine.resume(me)
      if not resumed then
        fail(tostring(err))
      end
    end, 20)
    coroutine.yield()
  end
end

local function line_of(buf, text)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = line:find(text, 1, true)
    if col then
      return i, col - 1
    end
  end
  fail(("%q is not in %s"):format(text, vim.api.nvim_buf_get_name(buf)))
end

local function line(buf, row)
  return vim.api.nvim_buf_get_lines(buf, row - 1, row, false)[1]
end

local function floating_text()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
      return { text = table.concat(lines, "\n"), win = win }
    end
  end
end

local function has_token(buf, row, col, kind)
  for _, token in ipairs(vim.lsp.semantic_tokens.get_at_pos(buf, row - 1, col) or {}) do
    if token.type == kind then
      return true
    end
  end
  return false
end

-- Types `keys` in insert mode at the end of a new line after `row`, asks for omni-completion
-- (CTRL-X CTRL-O, the default `omnifunc` of an LSP buffer) and accepts the first item. Returns
-- the menu's words and the line as it ends up.
local function complete(buf, row, typed)
  vim.api.nvim_buf_set_lines(buf, row, row, false, { "  " })
  vim.api.nvim_win_set_cursor(0, { row + 1, 0 })
  vim.api.nvim_feedkeys(vim.keycode("A" .. typed .. "<C-x><C-o>"), "nt", false)
  wait("the completion menu after " .. typed, function()
    return vim.fn.pumvisible() == 1
  end)
  local words = {}
  for _, item in ipairs(vim.fn.complete_info({ "items" }).items) do
    table.insert(words, item.word)
  end
  vim.api.nvim_feedkeys(vim.keycode("<C-y><Esc>"), "nt", false)
  wait("the end of insert mode", function()
    return vim.api.nvim_get_mode().mode == "n"
  end)
  local result = line(buf, row + 1)
  vim.api.nvim_buf_set_lines(buf, row, row + 1, false, {})
  return words, result
end

local function session()
  -- Attach.
  vim.cmd.edit(project .. "/people.iamdsl")
  local people = vim.api.nvim_get_current_buf()
  check(vim.bo[people].filetype == "iamdsl", "the filetype is " .. vim.bo[people].filetype)
  local client = wait("the server to attach", function()
    local found = vim.lsp.get_clients({ bufnr = people, name = "iamdsl" })[1]
    return found and found.initialized and found
  end)
  check(client.server_capabilities.codeActionProvider ~= nil, "code actions are advertised")

  -- A mistake: its diagnostic appears; the quick fix repairs it; the diagnostic clears.
  local row = line_of(people, "attach log_reader")
  vim.api.nvim_buf_set_lines(people, row - 1, row, false, { "  attach log_raeder" })
  local typo = wait("the diagnostic of the typo", function()
    for _, d in ipairs(vim.diagnostic.get(people)) do
      if d.code == "E0204" then
        return d
      end
    end
  end)
  check(typo.lnum == row - 1 and typo.col == 9, ("the typo's place: %d:%d"):format(typo.lnum, typo.col))
  vim.api.nvim_win_set_cursor(0, { row, 10 })
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      return action.kind == "quickfix"
    end,
  })
  wait("the quick fix", function()
    return line(people, row) == "  attach log_reader"
  end)
  wait("the diagnostics to clear", function()
    return #vim.diagnostic.get(people) == 0
  end)
  checks = checks + 2

  -- Completion as typed: the whole `s3:Get` is completed, and `s3:` is not doubled.
  local words, result = complete(people, row, "allow s3:Get")
  check(vim.tbl_contains(words, "s3:GetObject"), "s3:GetObject is offered after s3:Get")
  check(result == "  allow " .. words[1] and words[1]:find("^s3:Get") ~= nil, "after s3:Get: " .. result)
  words, result = complete(people, row, "allow s3:")
  check(result == "  allow " .. words[1] and words[1]:find("^s3:%u") ~= nil, "after s3: " .. result)
  words, result = complete(people, row, "allow read on s3.obj")
  check(result == "  allow read on s3.object", "after s3.obj: " .. result)

  -- Semantic tokens: keywords, declared names, actions.
  local group_row = line_of(people, "group developers")
  wait("semantic tokens", function()
    return has_token(people, group_row, 0, "keyword") and has_token(people, group_row, 6, "variable")
  end)
  checks = checks + 1

  -- Hover over a role: its trust policy as JSON, in a floating window.
  vim.cmd.edit(project .. "/roles.iamdsl")
  local roles = vim.api.nvim_get_current_buf()
  wait("the server on roles.iamdsl", function()
    return #vim.lsp.get_clients({ bufnr = roles, name = "iamdsl" }) == 1
  end)
  local role_row = line_of(roles, "role deployer")
  vim.api.nvim_win_set_cursor(0, { role_row, 6 })
  vim.lsp.buf.hover()
  local float = wait("the hover window", floating_text)
  check(
    float.text:find("Trust policy:", 1, true) and float.text:find("sts:AssumeRoleWithWebIdentity", 1, true),
    "hover: " .. float.text
  )
  vim.api.nvim_win_close(float.win, true)

  -- Hover over a resource: its policy as the service stores it.
  vim.cmd.edit(project .. "/resources.iamdsl")
  local resources = vim.api.nvim_get_current_buf()
  wait("the server on resources.iamdsl", function()
    return #vim.lsp.get_clients({ bufnr = resources, name = "iamdsl" }) == 1
  end)
  vim.api.nvim_win_set_cursor(0, { line_of(resources, "resource logs"), 10 })
  vim.lsp.buf.hover()
  float = wait("the hover window of a resource", floating_text)
  check(
    float.text:find("Bucket policy:", 1, true) and float.text:find("aws:SecureTransport", 1, true),
    "hover of a resource: " .. float.text
  )
  vim.api.nvim_win_close(float.win, true)
  vim.cmd.buffer(roles)

  local action_row, action_col = line_of(roles, "iam:PassRole")
  wait("the semantic token of an action", function()
    return has_token(roles, action_row, action_col + 4, "function")
  end)
  checks = checks + 1

  -- Go to the definition of a policy in another file.
  local boundary_row, boundary_col = line_of(roles, "boundary platform_boundary")
  vim.api.nvim_win_set_cursor(0, { boundary_row, boundary_col + 10 })
  vim.lsp.buf.definition()
  wait("the jump to policies.iamdsl", function()
    return vim.api.nvim_buf_get_name(0):find("policies.iamdsl$") ~= nil
  end)
  local policies = vim.api.nvim_get_current_buf()
  check(vim.api.nvim_win_get_cursor(0)[1] == line_of(policies, "policy platform_boundary"), "the definition's line")

  -- Rename a group: every reference, in every file (expectations.iamdsl names it too).
  vim.cmd.buffer(people)
  vim.api.nvim_win_set_cursor(0, { group_row, 7 })
  vim.lsp.buf.rename("engineers")
  local expectations = project .. "/expectations.iamdsl"
  wait("the rename in expectations.iamdsl", function()
    local other = vim.fn.bufnr(expectations)
    return other > 0
      and vim.api.nvim_buf_is_loaded(other)
      and table.concat(vim.api.nvim_buf_get_lines(other, 0, -1, false), "\n"):find("expect engineers can assume deployer", 1, true)
  end)
  local text = table.concat(vim.api.nvim_buf_get_lines(people, 0, -1, false), "\n")
  check(text:find("group engineers {", 1, true) and text:find("groups = [engineers, readonly]", 1, true), "rename in people.iamdsl:\n" .. text)
  check(text:find("/// Application developers.", 1, true), "rename leaves the doc comment's words")

  -- Formatting on save (the configuration's BufWritePre), with the server's formatter.
  local scratch = project .. "/scratch.iamdsl"
  vim.cmd.edit(scratch)
  local scratch_buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_set_lines(scratch_buf, 0, -1, false, { "role   r{trust{service ec2}}" })
  wait("the server on scratch.iamdsl", function()
    return #vim.lsp.get_clients({ bufnr = scratch_buf, name = "iamdsl" }) == 1
  end)
  vim.cmd.write()
  local saved = table.concat(vim.fn.readfile(scratch), "\n")
  check(saved == "role r { trust { service ec2 } }", "formatted on save: " .. saved)

  io.stderr:write(("neovim: all %d checks passed\n"):format(checks))
  vim.cmd("qall!")
end

vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  callback = function()
    vim.defer_fn(function()
      fail("the session took longer than 150 s")
    end, 150000)
    -- Scheduled: outside the autocommand, so that opening a file runs its own (filetype, LSP).
    vim.schedule(function()
      local ok, err = coroutine.resume(coroutine.create(session))
      if not ok then
        fail(tostring(err))
      end
    end)
  end,
})
