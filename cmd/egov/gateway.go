package main

import (
	"errors"
	"flag"
	"log/slog"
	"os"
	"strings"

	"github.com/egov-vn/egov/payment"
)

// Defaults of the payment sandbox, which runs inside egov for demos. Its
// secret is no secret: anybody who reaches the sandbox can "pay" anyway.
const (
	sandboxPrefix  = "/sandbox/vnpay"
	sandboxTmnCode = "EGOVDEMO"
	sandboxSecret  = "egov-sandbox-hash-secret-not-for-production"
)

// gatewayConfig is the payment gateway of the flags: VNPay itself (or any
// gateway speaking its protocol), or the sandbox egov serves itself.
type gatewayConfig struct {
	payURL, queryURL, tmnCode, secret string
	sandbox                           bool
}

func addGatewayFlags(fs *flag.FlagSet, g *gatewayConfig) {
	fs.StringVar(&g.payURL, "vnpay-pay-url", env("EGOV_VNPAY_PAY_URL", ""), "VNPay payment page, e.g. https://sandbox.vnpayment.vn/paymentv2/vpcpay.html; empty: no online payment unless --payment-sandbox (EGOV_VNPAY_PAY_URL)")
	fs.StringVar(&g.queryURL, "vnpay-query-url", env("EGOV_VNPAY_QUERY_URL", ""), "VNPay merchant API (querydr, refund) (EGOV_VNPAY_QUERY_URL)")
	fs.StringVar(&g.tmnCode, "vnpay-tmn-code", env("EGOV_VNPAY_TMN_CODE", ""), "merchant terminal code (vnp_TmnCode); the hash secret only from EGOV_VNPAY_HASH_SECRET (EGOV_VNPAY_TMN_CODE)")
	g.secret = os.Getenv("EGOV_VNPAY_HASH_SECRET") // a secret: from the environment only
	fs.BoolVar(&g.sandbox, "payment-sandbox", envBool("EGOV_PAYMENT_SANDBOX"), "serve a sandbox payment gateway speaking VNPay's protocol at "+sandboxPrefix+" and pay through it; on with --demo when no gateway is set (EGOV_PAYMENT_SANDBOX)")
}

// useSandbox reports whether payments go through the built-in sandbox:
// asked for, or a demo with no real gateway configured.
func (g *gatewayConfig) useSandbox(demo bool) bool {
	return g.sandbox || demo && g.payURL == ""
}

// gateway returns the configured gateway, nil when payments are off.
// publicURL is where the sandbox is reached when it is used. The sandbox
// never takes a real merchant's code or secret, and is refused beside a
// real gateway: anybody who reaches it can "pay".
func (g *gatewayConfig) gateway(publicURL string, demo bool) (*payment.VNPay, error) {
	if g.sandbox && g.payURL != "" {
		return nil, usageError{"--payment-sandbox cannot be used with --vnpay-pay-url: the sandbox lets anybody pay without paying"}
	}
	if g.useSandbox(demo) {
		base := strings.TrimRight(publicURL, "/") + sandboxPrefix
		return &payment.VNPay{BaseURL: base + "/paymentv2/vpcpay.html", QueryURL: base + "/merchant_webapi/api/transaction",
			TmnCode: sandboxTmnCode, HashSecret: sandboxSecret}, nil
	}
	if g.payURL == "" {
		return nil, nil
	}
	if g.queryURL == "" || g.tmnCode == "" || g.secret == "" {
		return nil, usageError{"--vnpay-pay-url needs --vnpay-query-url, --vnpay-tmn-code and EGOV_VNPAY_HASH_SECRET"}
	}
	return &payment.VNPay{BaseURL: g.payURL, QueryURL: g.queryURL, TmnCode: g.tmnCode, HashSecret: g.secret}, nil
}

// newSandbox builds the sandbox gateway that sends its IPNs to ipnURL.
func newSandbox(ipnURL string, log *slog.Logger) (*payment.Sandbox, error) {
	sb, err := payment.NewSandbox(payment.SandboxConfig{Prefix: sandboxPrefix, TmnCode: sandboxTmnCode,
		HashSecret: sandboxSecret, IPNURL: ipnURL, Logger: log})
	if err != nil {
		return nil, errors.Join(errors.New("payment sandbox"), err)
	}
	return sb, nil
}
