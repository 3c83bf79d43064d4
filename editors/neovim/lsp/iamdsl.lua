-- Neovim 0.11+: with this directory on 'runtimepath', `vim.lsp.enable("iamdsl")` starts the
-- language server for iamdsl buffers. Override fields with `vim.lsp.config("iamdsl", { … })`.
return {
  cmd = { "iamdsl", "lsp" },
  filetypes = { "iamdsl" },
  -- The project root is the nearest directory with iamdsl.toml; else the repository root.
  root_markers = { "iamdsl.toml", ".git" },
}
