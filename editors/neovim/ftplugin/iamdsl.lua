-- Buffer settings for iamdsl files: `//` comments, `///` doc comments, two-space indentation.
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = 1

vim.bo.commentstring = "// %s"
vim.bo.comments = "s1:/*,mb:*,ex:*/,:///,://"
vim.bo.expandtab = true
vim.bo.shiftwidth = 2
vim.bo.softtabstop = 2
vim.bo.tabstop = 2
-- Continue comments on <Enter> and `o`; wrap comments, not code.
vim.bo.formatoptions = vim.bo.formatoptions:gsub("t", "") .. "croql"

-- Tree-sitter highlighting where the iamdsl parser is installed (`parser/iamdsl.so` on the
-- runtimepath: `require("iamdsl").build_parser()`, see README.md); the regex syntax file
-- otherwise. `start` fails, and leaves the buffer as it was, when there is no parser.
pcall(vim.treesitter.start)

vim.b.undo_ftplugin = "setlocal commentstring< comments< expandtab< shiftwidth< softtabstop< tabstop< formatoptions< | lua pcall(vim.treesitter.stop)"
