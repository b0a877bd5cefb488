-- data/sample.sql: the sample dataset `make run` serves as schema "shop"
-- (build/sample.db, built by data/mkdb.py; README "Datasets"). A small
-- shop: every walk-in can read it (SELECT * FROM shop.orders), none can
-- change it.
CREATE TABLE customers (
	id	INTEGER PRIMARY KEY,
	name	TEXT NOT NULL,
	city	TEXT NOT NULL
);
CREATE TABLE products (
	id	INTEGER PRIMARY KEY,
	name	TEXT NOT NULL,
	price	REAL NOT NULL CHECK (price >= 0)
);
CREATE TABLE orders (
	id		INTEGER PRIMARY KEY,
	customer_id	INTEGER NOT NULL REFERENCES customers(id),
	product_id	INTEGER NOT NULL REFERENCES products(id),
	quantity	INTEGER NOT NULL CHECK (quantity > 0),
	ordered_at	TEXT NOT NULL
);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE VIEW order_totals AS
	SELECT o.id, c.name AS customer, p.name AS product,
	    o.quantity * p.price AS total
	FROM orders o JOIN customers c ON c.id = o.customer_id
	JOIN products p ON p.id = o.product_id;

INSERT INTO customers (id, name, city) VALUES
	(1, 'Ada', 'London'), (2, 'Grace', 'New York'), (3, 'Linus', 'Helsinki'),
	(4, 'Margaret', 'Boston'), (5, 'Dennis', 'Murray Hill');
INSERT INTO products (id, name, price) VALUES
	(1, 'keyboard', 49.5), (2, 'mouse', 19.0), (3, 'monitor', 189.0),
	(4, 'cable', 4.25), (5, 'desk lamp', 32.0);
INSERT INTO orders (id, customer_id, product_id, quantity, ordered_at) VALUES
	(1, 1, 1, 1, '2026-01-03'), (2, 1, 4, 3, '2026-01-03'),
	(3, 2, 3, 2, '2026-01-07'), (4, 3, 2, 1, '2026-01-09'),
	(5, 4, 5, 1, '2026-01-12'), (6, 5, 1, 2, '2026-01-15'),
	(7, 2, 4, 10, '2026-01-20'), (8, 3, 3, 1, '2026-01-22');
