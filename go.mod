module github.com/egov-vn/egov

go 1.26.8
