-- A headless Neovim session against `msb-migrate lsp` (tests/test_lsp.py): open the file named
-- by $MSB_FILE, wait for the diagnostics, write them to $MSB_LOG (one a line), ask for the code
-- actions over the whole file, apply "apply all" with Neovim's own workspace-edit code and
-- write the buffer to $MSB_OUT. vim.lsp.start_client exists from Neovim 0.5 to 0.11.
local lines = {}
local id = vim.lsp.start_client({
  name = "msb-migrate",
  cmd = vim.split(os.getenv("MSB_SERVER"), "\t"),
  root_dir = vim.fn.getcwd(),
})
vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("MSB_FILE")))
vim.lsp.buf_attach_client(0, id)
vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local severity = { "Error", "Warning", "Information", "Hint" }
for _, d in ipairs(vim.diagnostic.get(0)) do
  local lsp = d.user_data and d.user_data.lsp or d
  table.insert(lines, string.format("%d\t%s\t%s\t%s", d.lnum + 1, severity[d.severity], tostring(lsp.code), d.message))
end
local last = vim.api.nvim_buf_line_count(0)
local params = {
  textDocument = vim.lsp.util.make_text_document_params(),
  range = { start = { line = 0, character = 0 }, ["end"] = { line = last, character = 0 } },
  context = { diagnostics = {} },
}
for _, answer in pairs(vim.lsp.buf_request_sync(0, "textDocument/codeAction", params, 60000) or {}) do
  for _, action in ipairs(answer.result or {}) do
    table.insert(lines, "action\t" .. action.title .. "\t" .. (action.kind or ""))
    if action.title == "apply all" then
      vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
    end
  end
end
vim.cmd("silent write! " .. vim.fn.fnameescape(os.getenv("MSB_OUT")))
vim.fn.writefile(lines, os.getenv("MSB_LOG"))
vim.lsp.stop_client(id)
vim.wait(10000, function() return vim.lsp.get_client_by_id(id) == nil end, 50)
vim.cmd("qall!")
