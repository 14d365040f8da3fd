module github.com/channel-gateway/channel-gateway/sdks/go

go 1.19
