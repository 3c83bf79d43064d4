-- iamdsl for Neovim: filetype, language server and formatting on save.
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
end

return M
