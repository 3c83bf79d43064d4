-- *.iamdsl files are filetype `iamdsl`.
vim.filetype.add({ extension = { iamdsl = "iamdsl" } })
