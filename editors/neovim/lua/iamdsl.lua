-- iamdsl for Neovim: filetype, language server, formatting on save and the tree-sitter parser.
--
--   require("iamdsl").setup()                              -- defaults
--   require("iamdsl").setup({ cmd = { "/path/to/iamdsl", "lsp" }, format_on_save = false })
--
-- Neovim 0.11+ uses vim.lsp.config/vim.lsp.enable; Neovim 0.10 falls back to vim.lsp.start.
local M = {}

M.defaults = {
  -- The server command. `iamdsl` must be on PATH, or give the full path.
  cmd = { "iamdsl", "lsp" },
  -- The nearest directory (upwards from the file) with one of these is the project root.
  root_markers = { "iamdsl.toml", ".git" },
  -- Format with the language server (the same formatter as `iamdsl fmt`) before each write.
  format_on_save = true,
}

-- client:supports_method() since 0.11; client.supports_method() before.
local function supports(client, method, bufnr)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:supports_method(method, bufnr)
  end
  return client.supports_method(method, { bufnr = bufnr })
end

local function on_attach_formatting(opts)
  local group = vim.api.nvim_create_augroup("iamdsl_format_on_save", { clear = true })
  vim.api.nvim_create_autocmd("LspAttach", {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if not client or client.name ~= "iamdsl" or not opts.format_on_save then
        return
      end
      vim.api.nvim_create_autocmd("BufWritePre", {
        group = group,
        buffer = args.buf,
        callback = function()
          if supports(client, "textDocument/formatting", args.buf) then
            vim.lsp.buf.format({ bufnr = args.buf, id = client.id, timeout_ms = 2000 })
          end
        end,
      })
    end,
  })
end

-- editors/tree-sitter-iamdsl/src, beside this configuration in the repository.
local function grammar_src()
  local here = debug.getinfo(1, "S").source:sub(2) -- …/editors/neovim/lua/iamdsl.lua
  return vim.fn.simplify(vim.fs.dirname(here) .. "/../../tree-sitter-iamdsl/src")
end

-- Compiles the repository's tree-sitter parser with a C compiler into `dir`/iamdsl.so (default:
-- stdpath("data")/site/parser, which is on the runtimepath), then starts tree-sitter highlighting
-- in the open iamdsl buffers (ftplugin/iamdsl.lua does it for the next ones). Returns the path of
-- the parser, or nil and the compiler's message.
--   opts = { cc = "cc", dir = "…", src = "…/editors/tree-sitter-iamdsl/src" }
function M.build_parser(opts)
  opts = opts or {}
  local src = opts.src or grammar_src()
  local dir = opts.dir or (vim.fn.stdpath("data") .. "/site/parser")
  local cc = opts.cc or vim.env.CC or "cc"
  if vim.fn.filereadable(src .. "/parser.c") == 0 then
    return nil, "no parser source at " .. src .. "/parser.c"
  end
  vim.fn.mkdir(dir, "p")
  local out = dir .. "/iamdsl.so"
  local command = { cc, "-o", out, "-shared", "-fPIC", "-O2", "-I", src, src .. "/parser.c" }
  -- vim.system raises when the compiler is not there.
  local ok, result = pcall(function()
    return vim.system(command, { text = true }):wait()
  end)
  if not ok then
    return nil, tostring(result)
  end
  if result.code ~= 0 then
    return nil, result.stderr
  end
  -- Neovim finds parser/iamdsl.so on the runtimepath from the next start on; in this session the
  -- runtime files it listed before the parser existed are cached, so load it by its path.
  pcall(vim.treesitter.language.add, "iamdsl", { path = out })
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == "iamdsl" then
      pcall(vim.treesitter.start, buf, "iamdsl")
    end
  end
  return out
end

function M.setup(user_opts)
  local opts = vim.tbl_deep_extend("force", {}, M.defaults, user_opts or {})
  vim.filetype.add({ extension = { iamdsl = "iamdsl" } })

  if vim.lsp.config ~= nil and vim.lsp.enable ~= nil then
    -- Neovim 0.11+
    vim.lsp.config("iamdsl", {
      cmd = opts.cmd,
      filetypes = { "iamdsl" },
      root_markers = opts.root_markers,
    })
    vim.lsp.enable("iamdsl")
  else
    -- Neovim 0.10
    vim.api.nvim_create_autocmd("FileType", {
      group = vim.api.nvim_create_augroup("iamdsl_lsp_start", { clear = true }),
      pattern = "iamdsl",
      callback = function(args)
        vim.lsp.start({
          name = "iamdsl",
          cmd = opts.cmd,
          root_dir = vim.fs.root(args.buf, opts.root_markers) or vim.fn.getcwd(),
        }, { bufnr = args.buf })
      end,
    })
  end

  on_attach_formatting(opts)

  vim.api.nvim_create_user_command("IamdslBuildParser", function()
    local out, err = M.build_parser()
    if out then
      vim.notify("iamdsl: tree-sitter parser built: " .. out)
    else
      vim.notify("iamdsl: could not build the tree-sitter parser: " .. err, vim.log.levels.ERROR)
    end
  end, { desc = "Compile the iamdsl tree-sitter parser (needs a C compiler)" })
end

return M
