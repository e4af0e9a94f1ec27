package console

import (
	"fmt"
	"html/template"
	"strings"

	qr "github.com/piglig/go-qr"

	"github.com/rampart/rampart/errs"
)

// qrSVG draws text as a QR code in SVG, server-side: no external service
// ever sees the secret. The encoder is github.com/piglig/go-qr (no
// dependencies; Reed-Solomon and masking are where a hand-written encoder
// would go wrong); the SVG is drawn here from its modules, one path of unit
// squares with a four-module quiet zone, and carries no script or style
// attribute, so the strict CSP allows it inline.
func qrSVG(text string) (template.HTML, error) {
	code, err := qr.EncodeText(text, qr.Medium)
	if err != nil {
		return "", errs.Internalf("qr code: %w", err)
	}
	n := code.Size()
	const quiet = 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 %d %d" role="img" aria-label="QR code of the two-factor secret" shape-rendering="crispEdges">`, n+2*quiet, n+2*quiet)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n+2*quiet, n+2*quiet)
	for y := range n {
		for x := range n {
			if code.Module(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	// Built only from integers and constants above: safe markup.
	return template.HTML(b.String()), nil
}
