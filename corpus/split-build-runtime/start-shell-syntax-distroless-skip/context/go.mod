module example.com/shop/server

go 1.22
