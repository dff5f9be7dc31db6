# run_fixture.sh - the generated source of the run tests (source it).
#   run_fixture_sql ENGINE NCUST   prints the schema and rows for sqlite|pg|mysql
# Shapes: a self-reference (customer.referrer_id), a two-table cycle
# (orders.last_shipment_id <-> shipment.order_id, nullable back-edge),
# composite keys (product, order_item), an undeclared relationship
# (document.order_ref -> orders.id, declared as a virtual FK by the tests),
# timestamps for windows (event.happened_at), a table to truncate
# (audit_log) and text with e-mails and customer names (orders.note,
# document.body). Deterministic; dates relative to now.
RUN_COMPANIES=(Zephyrion Quandalor Brightwater Marlowe Octavian Pellucid Rosethorn Sablewick Tallgrass Umberlight Vantablue Wrenfield)

run_fixture_customers_file() {
	local i
	for i in "${RUN_COMPANIES[@]}"; do echo "$i Holdings"; done
}

run_fixture_sql() {
	local engine=$1 n=${2:-200} now
	now=$(date -u +%s)
	local ts=TIMESTAMP auto=""
	[ "$engine" = mysql ] && ts=DATETIME
	cat <<SQL
CREATE TABLE region (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);
CREATE TABLE customer (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL,
  email VARCHAR(120), region_id INTEGER NOT NULL REFERENCES region(id),
  referrer_id INTEGER REFERENCES customer(id), created_at $ts);
SQL
	if [ "$engine" = sqlite ]; then
		cat <<SQL
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
  placed_at $ts NOT NULL, note TEXT, last_shipment_id INTEGER REFERENCES shipment(id));
SQL
	else
		cat <<SQL
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
  placed_at $ts NOT NULL, note TEXT, last_shipment_id INTEGER);
SQL
	fi
	cat <<SQL
CREATE TABLE shipment (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), shipped_at $ts);
CREATE TABLE product (sku VARCHAR(20) NOT NULL, variant INTEGER NOT NULL, title VARCHAR(80), PRIMARY KEY (sku, variant));
CREATE TABLE order_item (order_id INTEGER NOT NULL REFERENCES orders(id), line INTEGER NOT NULL,
  sku VARCHAR(20) NOT NULL, variant INTEGER NOT NULL, qty INTEGER,
  PRIMARY KEY (order_id, line), FOREIGN KEY (sku, variant) REFERENCES product(sku, variant));
CREATE TABLE document (id INTEGER PRIMARY KEY, order_ref INTEGER, body TEXT);
CREATE TABLE event (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), happened_at $ts NOT NULL, kind VARCHAR(20));
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), msg TEXT);
CREATE INDEX event_at ON event (happened_at);
CREATE INDEX orders_placed ON orders (placed_at);
SQL
	[ "$engine" = mysql ] && echo "SET FOREIGN_KEY_CHECKS = 0;"
	[ "$engine" = pg ] && echo "BEGIN; SET CONSTRAINTS ALL DEFERRED;"
	[ "$engine" = sqlite ] && echo "BEGIN;"
	awk -v n="$n" -v now="$now" -v companies="${RUN_COMPANIES[*]}" '
	function d(t,   days, secs, z, era, doe, yoe, y, doy, mp, dd, m) {
		days = int(t / 86400); secs = t - days * 86400
		z = days + 719468; era = int(z / 146097); doe = z - era * 146097
		yoe = int((doe - int(doe/1460) + int(doe/36524) - int(doe/146096)) / 365)
		y = yoe + era * 400; doy = doe - (365*yoe + int(yoe/4) - int(yoe/100))
		mp = int((5*doy + 2)/153); dd = doy - int((153*mp+2)/5) + 1
		m = mp < 10 ? mp + 3 : mp - 9; if (m <= 2) y++
		return sprintf("'\''%04d-%02d-%02d %02d:%02d:%02d'\''", y, m, dd, int(secs/3600), int(secs%3600/60), secs%60)
	}
	function batch(table, cols, rows) { if (rows != "") print "INSERT INTO " table " (" cols ") VALUES " rows ";" }
	BEGIN {
		nc = split(companies, C, " ")
		r = ""; for (i = 1; i <= 5; i++) r = r (i>1?", ":"") "(" i ", '\''Region " i "'\'')"
		batch("region", "id, name", r)
		r = ""
		for (i = 1; i <= n; i++) {
			ref = (i > 3 && i % 3 == 0) ? int(i / 3) : "NULL"
			nm = C[(i-1) % nc + 1] " Holdings"; if (i > nc) nm = nm " " i
			r = r (r!=""?", ":"") "(" i ", '\''" nm "'\'', '\''contact" i "@" tolower(C[(i-1)%nc+1]) ".com'\'', " (i%5)+1 ", " ref ", " d(now - (i % 3650) * 86400) ")"
			if (i % 200 == 0) { batch("customer", "id, name, email, region_id, referrer_id, created_at", r); r = "" }
		}
		batch("customer", "id, name, email, region_id, referrer_id, created_at", r)
		r = ""
		for (p = 1; p <= 20; p++) for (v = 1; v <= 2; v++)
			r = r (r!=""?", ":"") "('\''SKU-" sprintf("%03d", p) "'\'', " v ", '\''Product " p "/" v "'\'')"
		batch("product", "sku, variant, title", r)
		no = 0; ro = ""; rs = ""; ri = ""; rd = ""
		for (i = 1; i <= n; i++) for (k = 1; k <= (i % 4); k++) {
			no++
			note = (no % 5 == 0) ? "call " C[(i-1)%nc+1] " Holdings at contact" i "@" tolower(C[(i-1)%nc+1]) ".com" : "no remarks"
			ro = ro (ro!=""?", ":"") "(" no ", " i ", " d(now - (no % 50000) * 3600) ", '\''" note "'\'', " (no % 2 ? no : "NULL") ")"
			if (no % 2) rs = rs (rs!=""?", ":"") "(" no ", " no ", " d(now - (no % 50000) * 3000) ")"
			for (l = 1; l <= 2; l++) ri = ri (ri!=""?", ":"") "(" no ", " l ", '\''SKU-" sprintf("%03d", (no+l)%20+1) "'\'', " l ", " l*no%7+1 ")"
			if (no % 3 == 0) rd = rd (rd!=""?", ":"") "(" no ", " no ", '\''Invoice for " C[(i-1)%nc+1] " Holdings, order " no "'\'')"
			if (no % 100 == 0) {
				batch("orders", "id, customer_id, placed_at, note, last_shipment_id", ro)
				batch("shipment", "id, order_id, shipped_at", rs)
				batch("order_item", "order_id, line, sku, variant, qty", ri)
				batch("document", "id, order_ref, body", rd)
				ro = rs = ri = rd = ""
			}
		}
		batch("orders", "id, customer_id, placed_at, note, last_shipment_id", ro)
		batch("shipment", "id, order_id, shipped_at", rs)
		batch("order_item", "order_id, line, sku, variant, qty", ri)
		batch("document", "id, order_ref, body", rd)
		r = ""
		for (e = 1; e <= n * 2; e++) {
			r = r (r!=""?", ":"") "(" e ", " (e % 7 ? (e % n) + 1 : "NULL") ", " d(now - (e % 50000) * 7200) ", '\''view'\'')"
			if (e % 400 == 0) { batch("event", "id, customer_id, happened_at, kind", r); r = "" }
		}
		batch("event", "id, customer_id, happened_at, kind", r)
		r = ""
		for (a = 1; a <= 50; a++) r = r (r!=""?", ":"") "(" a ", " a ", '\''login'\'')"
		batch("audit_log", "id, customer_id, msg", r)
	}'
	[ "$engine" = mysql ] && echo "SET FOREIGN_KEY_CHECKS = 1;"
	if [ "$engine" != sqlite ]; then
		echo "ALTER TABLE orders ADD CONSTRAINT orders_last_shipment_fk FOREIGN KEY (last_shipment_id) REFERENCES shipment(id);"
	fi
	[ "$engine" = pg ] && echo "COMMIT; ANALYZE;"
	[ "$engine" = sqlite ] && echo "COMMIT;"
	return 0
}

# The relationships every target must keep, "child|cols|parent|cols".
RUN_FKS=(
	"customer|region_id|region|id"
	"customer|referrer_id|customer|id"
	"orders|customer_id|customer|id"
	"orders|last_shipment_id|shipment|id"
	"shipment|order_id|orders|id"
	"order_item|order_id|orders|id"
	"order_item|sku,variant|product|sku,variant"
	"document|order_ref|orders|id"
	"event|customer_id|customer|id"
	"audit_log|customer_id|customer|id"
)

# SQL counting the rows of the child whose non-NULL key has no parent.
run_orphans_sql() {
	local IFS='|' child ccols parent pcols
	read -r child ccols parent pcols <<<"$1"
	local IFS=',' c p cond="" nn=""
	local -a ca=($ccols) pa=($pcols)
	local k
	for k in "${!ca[@]}"; do
		cond="$cond${cond:+ AND }p.${pa[$k]} = c.${ca[$k]}"
		nn="$nn${nn:+ AND }c.${ca[$k]} IS NOT NULL"
	done
	echo "SELECT count(*) FROM $child c WHERE $nn AND NOT EXISTS (SELECT 1 FROM $parent p WHERE $cond)"
}
