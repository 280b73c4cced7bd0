# Pre-trade checks served at POST /v1/data/trading/allow.
# OPA 1.x speaks Rego v1: rules need `if`, and `in` needs no import.
package trading

default allow := false

allowed_symbols := {"BTCUSDT", "ETHUSDT"}

allow if {
	input.order.size <= 1000
	input.order.symbol in allowed_symbols
	input.user.role == "trader"
}
