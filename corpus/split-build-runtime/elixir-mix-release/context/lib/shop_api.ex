defmodule ShopApi do
end
