//! `back-office-server demo`: seeds a demo franchise once (when the database has no franchisees) and
//! prints how to use it. Everything is generated from word lists with a fixed seed, so every fresh
//! demo database has the same catalog.

pub mod history;

use crate::services::accounts::create_user;
use crate::services::catalog::{ProductIn, new_product as validate_product};
use crate::services::tills::create_till;
use crate::storage::{NewFranchisee, NewStaff, NewStore, NewTaxRate, Storage, Store};
use crate::{auth, barcode, nif};
use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use sync_protocol::{FranchiseeId, Money, StaffRole, TaxRate};

/// How many products the demo catalog has.
pub const DEMO_PRODUCTS: usize = 5_200;
/// Days of trade `demo` rings before it serves.
pub const HISTORY_DAYS: i64 = 90;

/// How much history to seed, ending when.
#[derive(Debug, Clone, Copy)]
pub struct SeedOptions {
    pub history_days: i64,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Default for SeedOptions {
    fn default() -> Self {
        Self {
            history_days: HISTORY_DAYS,
            now: chrono::Utc::now(),
        }
    }
}

/// A tiny deterministic generator (SplitMix64), so the catalog is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// A product family: its IVA rate (percent), names, qualifiers, sizes and price range in cents.
struct Family {
    /// The report category of its products (sales by category).
    category: &'static str,
    rate: i64,
    /// Relative share of the catalog (0: only a handful, through unique-name retries).
    weight: usize,
    nouns: &'static [&'static str],
    qualifiers: &'static [&'static str],
    /// Each size with its price as a percentage of the smallest one's (a 5 l bottle costs more
    /// than a 1 l one, a 6-pack less than six singles).
    sizes: &'static [(&'static str, i64)],
    /// Price range of the base size, in cents.
    cents: (i64, i64),
}

const BRANDS: &[&str] = &[
    "La Trastienda",
    "Sierra Verde",
    "El Molino",
    "Campo Real",
    "Doña Rosa",
    "Valle del Jerte",
    "Mar Cantábrico",
    "Los Olivos",
    "Río Duero",
    "Casa Pepa",
    "Huerta de Murcia",
    "Montes de León",
];

const FAMILIES: &[Family] = &[
    Family {
        category: "Fruta y verdura",
        rate: 4,
        weight: 18,
        nouns: &[
            "Manzana golden",
            "Manzana fuji",
            "Plátano de Canarias",
            "Naranja de zumo",
            "Mandarina",
            "Pera conferencia",
            "Tomate rama",
            "Patata nueva",
            "Cebolla dulce",
            "Zanahoria",
            "Pimiento rojo",
            "Calabacín",
            "Berenjena",
            "Limón",
            "Uva blanca",
        ],
        qualifiers: &[
            "",
            "ecológica",
            "de temporada",
            "categoría extra",
            "selección",
        ],
        sizes: &[
            ("500 g", 55),
            ("1 kg", 100),
            ("bandeja 1 kg", 105),
            ("malla 2 kg", 180),
        ],
        cents: (99, 349),
    },
    Family {
        category: "Leche",
        rate: 4,
        weight: 5,
        nouns: &[
            "Leche entera",
            "Leche semidesnatada",
            "Leche desnatada",
            "Bebida de avena",
        ],
        qualifiers: &[
            "",
            "sin lactosa",
            "ecológica",
            "de pastoreo",
            "de la sierra",
        ],
        sizes: &[
            ("brik 1 l", 100),
            ("botella 1,5 l", 140),
            ("pack 6 x 1 l", 560),
        ],
        cents: (79, 169),
    },
    Family {
        category: "Aceites",
        rate: 4,
        weight: 3,
        nouns: &[
            "Aceite de oliva virgen extra",
            "Aceite de oliva virgen",
            "Aceite de oliva suave",
        ],
        qualifiers: &[
            "",
            "arbequina",
            "picual",
            "hojiblanca",
            "de cosecha temprana",
        ],
        sizes: &[
            ("botella 750 ml", 80),
            ("botella 1 l", 100),
            ("garrafa 5 l", 470),
        ],
        cents: (549, 999),
    },
    Family {
        category: "Huevos",
        rate: 4,
        weight: 3,
        nouns: &[
            "Huevos frescos L",
            "Huevos camperos M",
            "Huevos ecológicos XL",
        ],
        qualifiers: &["", "de gallinas criadas en suelo", "selección"],
        sizes: &[("6 ud", 100), ("12 ud", 190), ("18 ud", 275)],
        cents: (139, 249),
    },
    Family {
        category: "Panadería",
        rate: 4,
        weight: 5,
        nouns: &[
            "Pan de molde",
            "Pan de molde integral",
            "Harina de trigo",
            "Pan rallado",
            "Picos de pan",
        ],
        qualifiers: &["", "sin gluten", "ecológico", "sin corteza", "artesano"],
        sizes: &[
            ("250 g", 100),
            ("400 g", 150),
            ("500 g", 180),
            ("1 kg", 330),
        ],
        cents: (69, 249),
    },
    Family {
        category: "Quesos",
        rate: 4,
        weight: 4,
        nouns: &[
            "Queso manchego curado",
            "Queso manchego semicurado",
            "Queso de cabra",
            "Queso fresco de Burgos",
            "Queso tetilla",
        ],
        qualifiers: &["", "D.O.P.", "artesano", "de leche cruda", "ecológico"],
        sizes: &[
            ("cuña 250 g", 100),
            ("cuña 400 g", 155),
            ("pieza 1 kg", 360),
        ],
        cents: (349, 699),
    },
    Family {
        category: "Despensa",
        rate: 10,
        weight: 12,
        nouns: &[
            "Arroz redondo",
            "Arroz bomba",
            "Arroz basmati",
            "Macarrones",
            "Espaguetis",
            "Fideos finos",
            "Lentejas pardinas",
            "Garbanzos",
            "Alubias blancas",
            "Azúcar blanco",
            "Sal marina",
        ],
        qualifiers: &["", "ecológico", "integral", "extra", "clásico"],
        sizes: &[("500 g", 100), ("1 kg", 185), ("2 kg", 350)],
        cents: (59, 299),
    },
    Family {
        category: "Conservas",
        rate: 10,
        weight: 10,
        nouns: &[
            "Atún claro en aceite de oliva",
            "Sardinas en tomate",
            "Mejillones en escabeche",
            "Berberechos al natural",
            "Tomate frito",
            "Pimientos del piquillo",
            "Aceitunas rellenas de anchoa",
            "Garbanzos cocidos",
        ],
        qualifiers: &["", "bajo en sal", "extra", "de la ría"],
        sizes: &[
            ("lata 120 g", 100),
            ("pack 3 x 80 g", 210),
            ("lata 250 g", 180),
            ("tarro 400 g", 260),
        ],
        cents: (89, 349),
    },
    Family {
        category: "Desayuno y dulces",
        rate: 10,
        weight: 14,
        nouns: &[
            "Galletas María",
            "Cereales de avena",
            "Café molido natural",
            "Café molido mezcla",
            "Café en grano",
            "Chocolate con leche",
            "Chocolate negro 70 %",
            "Cacao en polvo",
            "Mermelada de fresa",
            "Miel de azahar",
            "Magdalenas",
            "Turrón de Jijona",
        ],
        qualifiers: &[
            "",
            "sin gluten",
            "ecológico",
            "sin azúcar añadido",
            "clásico",
            "extra",
        ],
        sizes: &[
            ("150 g", 100),
            ("250 g", 160),
            ("500 g", 290),
            ("1 kg", 540),
        ],
        cents: (99, 399),
    },
    Family {
        category: "Charcutería",
        rate: 10,
        weight: 6,
        nouns: &[
            "Jamón serrano loncheado",
            "Jamón cocido extra",
            "Chorizo ibérico",
            "Salchichón ibérico",
            "Lomo embuchado",
            "Pavo en lonchas",
        ],
        qualifiers: &["", "bajo en sal", "ibérico de cebo", "finas lonchas"],
        sizes: &[("100 g", 100), ("150 g", 145), ("250 g", 230)],
        cents: (149, 599),
    },
    Family {
        category: "Refrigerados",
        rate: 10,
        weight: 6,
        nouns: &[
            "Yogur natural",
            "Yogur griego",
            "Yogur desnatado de fresa",
            "Natillas de vainilla",
            "Flan de huevo",
            "Arroz con leche",
        ],
        qualifiers: &["", "azucarado", "ecológico", "cremoso"],
        sizes: &[
            ("pack 2 x 115 g", 100),
            ("pack 4 x 125 g", 180),
            ("pack 6 x 125 g", 255),
        ],
        cents: (79, 199),
    },
    Family {
        category: "Agua y zumos",
        rate: 10,
        weight: 5,
        nouns: &[
            "Agua mineral",
            "Zumo de naranja",
            "Zumo de melocotón",
            "Gazpacho",
            "Salmorejo",
        ],
        qualifiers: &["", "sin gas", "exprimido", "100 % fruta", "fresco"],
        sizes: &[
            ("500 ml", 100),
            ("1 l", 160),
            ("1,5 l", 210),
            ("pack 6 x 1,5 l", 1100),
        ],
        cents: (39, 199),
    },
    Family {
        category: "Refrescos",
        rate: 21,
        weight: 5,
        nouns: &[
            "Refresco de cola",
            "Refresco de naranja",
            "Refresco de limón",
            "Tónica",
            "Bebida energética",
        ],
        qualifiers: &["", "zero", "sin cafeína", "light"],
        sizes: &[
            ("lata 33 cl", 100),
            ("botella 1 l", 190),
            ("botella 2 l", 300),
            ("pack 6 x 33 cl", 540),
        ],
        cents: (49, 99),
    },
    Family {
        category: "Cervezas",
        rate: 21,
        weight: 4,
        nouns: &[
            "Cerveza lager",
            "Cerveza tostada",
            "Cerveza sin alcohol",
            "Sidra natural asturiana",
        ],
        qualifiers: &["", "especial", "artesana", "de importación"],
        sizes: &[
            ("botellín 25 cl", 100),
            ("lata 33 cl", 125),
            ("botella 1 l", 330),
            ("pack 6 x 33 cl", 690),
        ],
        cents: (49, 129),
    },
    Family {
        category: "Bodega",
        rate: 21,
        weight: 5,
        nouns: &[
            "Vino tinto Rioja crianza",
            "Vino tinto Ribera del Duero",
            "Vino blanco Rueda verdejo",
            "Vino rosado Navarra",
            "Cava brut nature",
        ],
        qualifiers: &["", "reserva", "joven", "edición limitada", "ecológico"],
        sizes: &[("37,5 cl", 55), ("75 cl", 100), ("magnum 1,5 l", 220)],
        cents: (399, 1899),
    },
    Family {
        category: "Limpieza",
        rate: 21,
        weight: 7,
        nouns: &[
            "Detergente líquido",
            "Suavizante concentrado",
            "Lavavajillas a mano",
            "Lejía",
            "Limpiacristales",
            "Fregasuelos",
            "Limpiador multiusos",
        ],
        qualifiers: &["", "aroma limón", "aroma lavanda", "con bicarbonato", "eco"],
        sizes: &[("750 ml", 100), ("1 l", 125), ("2 l", 230), ("3 l", 320)],
        cents: (129, 399),
    },
    Family {
        category: "Hogar",
        rate: 21,
        weight: 5,
        nouns: &[
            "Papel higiénico doble capa",
            "Rollo de cocina",
            "Servilletas de papel",
            "Pañuelos de papel",
            "Bolsas de basura",
        ],
        qualifiers: &["", "extra suave", "compacto", "perfumado", "reciclado"],
        sizes: &[
            ("pack 6", 100),
            ("pack 12", 185),
            ("pack 24", 340),
            ("50 ud", 120),
        ],
        cents: (119, 399),
    },
    Family {
        category: "Higiene",
        rate: 21,
        weight: 6,
        nouns: &[
            "Champú",
            "Gel de baño",
            "Pasta de dientes",
            "Desodorante",
            "Crema hidratante",
            "Jabón de manos",
        ],
        qualifiers: &[
            "",
            "piel sensible",
            "aloe vera",
            "familiar",
            "sin parabenos",
        ],
        sizes: &[
            ("75 ml", 100),
            ("250 ml", 210),
            ("500 ml", 350),
            ("750 ml", 480),
        ],
        cents: (99, 249),
    },
    Family {
        category: "Sellos",
        rate: 0,
        weight: 0,
        nouns: &[
            "Sello ordinario nacional",
            "Sello internacional",
            "Sobre prefranqueado",
        ],
        qualifiers: &[""],
        sizes: &[("1 ud", 100)],
        cents: (85, 250),
    },
];

/// What a fresh demo seed made, with the secrets it prints once.
#[derive(Debug)]
pub struct DemoSeed {
    pub admin_token: String,
    pub products: u64,
    /// (store name, till name, enrolment code) per store.
    pub tills: Vec<(String, String, String)>,
    /// (store name, staff name, role, PIN).
    pub staff: Vec<(String, String, StaffRole, String)>,
    /// Dashboard sign-ins: (user name, password, what they see).
    pub logins: Vec<(String, String, String)>,
    /// The trade rung before today.
    pub history: history::Summary,
    /// Franchise invoices issued for the closed months of the history.
    pub invoices: usize,
}

/// Creates the demo's dashboard users: an HQ admin, an HQ analyst and the manager of the first store.
async fn demo_logins(
    st: &dyn Storage,
    first_store: (sync_protocol::StoreId, &str),
) -> Result<(Vec<(String, String, String)>, i64)> {
    use crate::storage::dashboard::DashboardRole;
    let mut out = Vec::new();
    let mut hq = None;
    for (user, name, role, stores, what) in [
        (
            "hq",
            "Ana Torres (central)",
            DashboardRole::Admin,
            vec![],
            "HQ admin: everything".to_string(),
        ),
        (
            "analista",
            "Diego Castro (análisis)",
            DashboardRole::Analyst,
            vec![],
            "HQ analyst: everything, read-only".to_string(),
        ),
        (
            "encargado",
            "Lucía Fernández (encargada)",
            DashboardRole::Manager,
            vec![first_store.0],
            format!("store manager: only {}, read-only", first_store.1),
        ),
    ] {
        let password = auth::new_password();
        let id = create_user(st, user, name, &password, role, stores)
            .await
            .map_err(|e| anyhow!("creating dashboard user {user}: {e}"))?;
        hq.get_or_insert(id);
        out.push((user.to_string(), password, what));
    }
    // The first store's franchisee signs in too: its own stores, invoices and statement.
    let owner = st.get_store(first_store.0).await?.franchisee_id;
    let legal = st.get_franchisee(owner).await?.legal_name;
    let password = auth::new_password();
    crate::services::accounts::create_franchisee_user(
        st,
        "franquicia",
        &format!("{legal} (franquiciado)"),
        &password,
        owner,
    )
    .await
    .map_err(|e| anyhow!("creating dashboard user franquicia: {e}"))?;
    out.push((
        "franquicia".to_string(),
        password,
        format!("franchisee: only {legal}'s stores, invoices and statement, read-only"),
    ));
    Ok((out, hq.ok_or_else(|| anyhow!("no HQ admin"))?))
}

/// HQ has been at work too: alerts older than a week were resolved and those of the last week
/// acknowledged by the HQ admin, with a note; the last two days' are still open.
async fn handle_past_alerts(
    st: &dyn Storage,
    hq: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    use crate::storage::alerts::AlertFilter;
    let (alerts, _) = st
        .alerts()
        .alerts(&AlertFilter {
            limit: 10_000,
            ..Default::default()
        })
        .await?;
    for a in alerts {
        let age = now - a.created_at;
        if age > chrono::Duration::days(7) {
            st.alerts()
                .resolve(a.id, hq, "Revisado con la encargada; queda anotado.", now)
                .await?;
        } else if age > chrono::Duration::days(2) {
            st.alerts()
                .acknowledge(a.id, hq, "Lo miro con la tienda esta semana.", now)
                .await?;
        }
    }
    Ok(())
}

fn app_err(e: crate::problem::Problem) -> anyhow::Error {
    anyhow!("{e}")
}

/// The generated catalog: `DEMO_PRODUCTS` products with unique names and valid EAN-13 codes (prefix 84).
/// The demo catalog, each product with its report category.
pub fn demo_products(rate_ids: &[(i64, i64)]) -> Result<Vec<(ProductIn, &'static str)>> {
    let mut rng = Rng(0x7A57_1E4D_A000_0001);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(DEMO_PRODUCTS);
    let mut attempts = 0usize;
    while out.len() < DEMO_PRODUCTS {
        attempts += 1;
        if attempts > DEMO_PRODUCTS * 50 {
            return Err(anyhow!(
                "word lists too small for {DEMO_PRODUCTS} distinct products"
            ));
        }
        // Families by weight; the weightless ones (stamps) get one in a hundred draws.
        let total: usize = FAMILIES.iter().map(|f| f.weight).sum();
        let f = if rng.below(100) == 0 {
            &FAMILIES[FAMILIES.len() - 1]
        } else {
            let mut x = rng.below(total);
            let mut chosen = &FAMILIES[0];
            for fam in FAMILIES {
                if x < fam.weight {
                    chosen = fam;
                    break;
                }
                x -= fam.weight;
            }
            chosen
        };
        let noun = rng.pick(f.nouns);
        let qual = rng.pick(f.qualifiers);
        let brand = rng.pick(BRANDS);
        let (size, size_percent) = f.sizes[rng.below(f.sizes.len())];
        let name = if qual.is_empty() {
            format!("{noun} {brand} {size}")
        } else {
            format!("{noun} {qual} {brand} {size}")
        };
        if !seen.insert(name.clone()) {
            continue;
        }
        let i = out.len() + 1;
        // The base size's price depends on the product line (noun, qualifier, brand), so every
        // size of one line is priced from the same base.
        let line = format!("{noun}|{qual}|{brand}");
        let mut line_rng = Rng(line.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        }));
        let span = (f.cents.1 - f.cents.0) as usize;
        let base = f.cents.0 + line_rng.below(span + 1) as i64;
        // Shop-like prices ending in 5 or 9 cents.
        let raw = base * size_percent / 100;
        let cents = (raw / 10) * 10 + if rng.below(2) == 0 { 5 } else { 9 };
        let tax_rate_id = rate_ids
            .iter()
            .find(|(pct, _)| *pct == f.rate)
            .map(|(_, id)| *id)
            .ok_or_else(|| anyhow!("no {}% tax rate", f.rate))?;
        let mut barcodes =
            vec![barcode::make_ean13(&format!("843712{i:06}")).ok_or_else(|| anyhow!("bad EAN"))?];
        if i % 25 == 0 {
            // Some products carry a second (older packaging) code.
            barcodes.push(
                barcode::make_ean13(&format!("849900{i:06}")).ok_or_else(|| anyhow!("bad EAN"))?,
            );
        }
        out.push((
            ProductIn {
                sku: format!("DEMO-{i:05}"),
                name,
                tax_rate_id,
                price: Money::from_cents(cents),
                barcodes,
            },
            f.category,
        ));
    }
    Ok(out)
}

/// The weight rule (`21` + 5-digit item + grams) and the price rule (`23` + 5-digit item + cents),
/// and a product for each: oranges by the kilo (label `21 00001 WWWWW C`) and cheese cut to order
/// (label `23 00002 PPPPP C`). Returns how many products it created.
async fn seed_scale_items(st: &Arc<dyn Storage>, rate_ids: &[(i64, i64)]) -> Result<u64> {
    use crate::services::catalog::{BarcodeRuleIn, barcode_rule as validate_barcode_rule};
    use sync_protocol::barcode::VariableMeasureRule;
    for base in [
        VariableMeasureRule::odoo_weight(),
        VariableMeasureRule::odoo_price(),
    ] {
        let rule = validate_barcode_rule(BarcodeRuleIn {
            prefix: base.prefix,
            kind: base.kind,
            item_digits: base.item_digits,
            value_digits: base.value_digits,
            decimals: base.decimals,
            verifier: base.verifier,
        })
        .map_err(|e| anyhow!("demo barcode rule: {e}"))?;
        st.create_barcode_rule(&rule).await?;
    }
    let rate = |pct: i64| {
        rate_ids
            .iter()
            .find(|(p, _)| *p == pct)
            .map(|(_, id)| *id)
            .ok_or_else(|| anyhow!("no {pct}% tax rate"))
    };
    let items = [
        (
            "PESO-00001",
            "Naranjas a granel (kg)",
            4,
            189,
            "210000100000",
        ),
        (
            "PESO-00002",
            "Queso manchego al corte",
            10,
            1895,
            "230000200000",
        ),
    ];
    let mut products = Vec::new();
    for (sku, name, pct, cents, first12) in items {
        products.push(
            validate_product(ProductIn {
                sku: sku.into(),
                name: name.into(),
                tax_rate_id: rate(pct)?,
                price: Money::from_cents(cents),
                barcodes: vec![barcode::make_ean13(first12).ok_or_else(|| anyhow!("bad EAN"))?],
            })
            .map_err(app_err)?,
        );
    }
    Ok(st.import_products(&products).await?)
}

/// Seeds the demo franchise with [`HISTORY_DAYS`] of trade if there are no franchisees yet;
/// `None` when already seeded.
pub async fn seed(st: &Arc<dyn Storage>) -> Result<Option<DemoSeed>> {
    seed_with(st, SeedOptions::default()).await
}

/// [`seed`] with another length of history.
pub async fn seed_with(st: &Arc<dyn Storage>, opts: SeedOptions) -> Result<Option<DemoSeed>> {
    if !st.list_franchisees().await?.is_empty() {
        return Ok(None);
    }

    // IVA rates.
    let mut rate_ids = Vec::new();
    for (name, pct) in [
        ("IVA general 21 %", 21),
        ("IVA reducido 10 %", 10),
        ("IVA superreducido 4 %", 4),
        ("Exento 0 %", 0),
    ] {
        let r = st
            .create_tax_rate(&NewTaxRate {
                name: name.into(),
                rate: TaxRate::percent(pct),
            })
            .await?;
        rate_ids.push((pct, r.id));
    }

    // Franchisees and stores.
    let franchisees = [
        (
            "Supermercados Ribera del Tajo, S.L.",
            nif::make_cif('B', "4512873"),
            "Calle Real 14, 45001 Toledo",
        ),
        (
            "Distribuciones Turia Levante, S.L.",
            nif::make_cif('B', "9687342"),
            "Avinguda del Port 88, 46023 València",
        ),
    ];
    let mut fids = Vec::new();
    for (name, cif, address) in franchisees {
        let cif = cif.ok_or_else(|| anyhow!("bad demo CIF"))?;
        nif::validate(&cif).map_err(|e| anyhow!(e))?;
        let f = st
            .create_franchisee(&NewFranchisee {
                legal_name: name.into(),
                nif: cif,
                address: address.into(),
            })
            .await?;
        fids.push(f.id);
    }
    let stores = [
        (
            0,
            "Trastienda Chamberí",
            "Calle de Fuencarral 120, 28010 Madrid",
        ),
        (
            0,
            "Trastienda Toledo Centro",
            "Calle del Comercio 22, 45001 Toledo",
        ),
        (1, "Trastienda Ruzafa", "Carrer de Sueca 31, 46006 València"),
    ];
    let mut store_rows = Vec::new();
    for (fi, name, address) in stores {
        let s = st
            .create_store(&NewStore {
                franchisee_id: fids[fi],
                name: name.into(),
                address: address.into(),
                receipt_header: "Horario: lunes a sábado, 9:00–21:00".into(),
                receipt_footer:
                    "¡Gracias por su visita! Conserve el ticket para cambios (30 días).".into(),
                cash_tolerance: crate::storage::default_cash_tolerance(),
                time_zone: crate::storage::TimeZone::default(),
            })
            .await?;
        store_rows.push(s);
    }

    // Catalog.
    let (products, categories): (Vec<_>, Vec<_>) = demo_products(&rate_ids)?.into_iter().unzip();
    let products = products
        .into_iter()
        .map(validate_product)
        .collect::<Result<Vec<_>, _>>()
        .map_err(app_err)?;
    let count = st
        .import_products(&products)
        .await
        .context("importing the demo catalog")?;
    // Report categories (sales by category), looked up by SKU in one pass over the catalog.
    let by_sku: std::collections::HashMap<String, &str> = products
        .iter()
        .zip(&categories)
        .map(|(p, c)| (p.sku.clone(), *c))
        .collect();
    let mut assigned = Vec::with_capacity(by_sku.len());
    let mut catalog = Vec::with_capacity(by_sku.len());
    let mut offset = 0;
    loop {
        let page = st.list_products(None, offset, 1000).await?;
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        assigned.extend(
            page.iter()
                .filter_map(|p| by_sku.get(&p.sku).map(|c| (p.id, c.to_string()))),
        );
        catalog.extend(page);
    }
    st.dashboard()
        .set_product_categories(&assigned)
        .await
        .context("setting the demo categories")?;

    // GS1 variable-measure rules (the two common ones: 21 = weight in grams, 23 = price in
    // cents) and two products sold from the scale, registered by their zero-value codes.
    let count = count + seed_scale_items(st, &rate_ids).await?;

    // A few store price overrides: product ids are looked up by SKU.
    let overrides = [
        (0usize, "DEMO-00001", 10i64), // Chamberí charges a little more
        (0, "DEMO-00002", 5),
        (2, "DEMO-00003", -5), // Ruzafa a little less
    ];
    for (si, sku, delta) in overrides {
        if let Some(p) = st.list_products(Some(sku), 0, 1).await?.into_iter().next() {
            let price = Money::from_cents((p.price.cents() + delta).max(0));
            st.set_store_price(store_rows[si].id, p.id, Some(price))
                .await?;
        }
    }

    // A delivery note (albarán) on its way to Chamberí: its tills offer it when receiving goods.
    let mut note_lines = Vec::new();
    for (sku, units) in [("DEMO-00001", 12), ("DEMO-00002", 6), ("DEMO-00004", 24)] {
        if let Some(p) = st.list_products(Some(sku), 0, 1).await?.into_iter().next() {
            note_lines.push((p.id, sync_protocol::Quantity::units(units)));
        }
    }
    if !note_lines.is_empty() {
        let now = chrono::Utc::now();
        st.deliveries()
            .create_delivery_note(
                &crate::storage::deliveries::NewDeliveryNote {
                    store_id: store_rows[0].id,
                    supplier: "Almacén central (Getafe)".into(),
                    expected_date: crate::storage::sql::business_day(now),
                    lines: note_lines,
                    created_by: "Demo HQ admin".into(),
                    unit_costs: Vec::new(),
                },
                now,
            )
            .await?;
    }

    // Staff: a manager and two cashiers per store, with printed PINs.
    let people = [
        ["Lucía Fernández", "Javier Moreno", "Carmen Ruiz"],
        ["Pablo Sánchez", "Marta Gómez", "Andrés Díaz"],
        ["Vicent Ferrer", "Laia Puig", "Sergio Martín"],
    ];
    let mut staff = Vec::new();
    for (si, s) in store_rows.iter().enumerate() {
        for (pi, name) in people[si].iter().enumerate() {
            let n = si + 1;
            let (role, pin) = if pi == 0 {
                (StaffRole::Manager, format!("{n}{n}{n}{n}"))
            } else {
                (StaffRole::Cashier, format!("{n}00{pi}"))
            };
            let p = pin.clone();
            let pin_hash = tokio::task::spawn_blocking(move || auth::hash_pin(&p))
                .await?
                .map_err(|e| anyhow!(e))?;
            st.create_staff(&NewStaff {
                name: (*name).into(),
                role,
                store_id: s.id,
                pin_hash,
            })
            .await?;
            staff.push((s.name.clone(), (*name).to_string(), role, pin));
        }
    }

    // HQ's costs (stock value, margins, the cost on delivery notes).
    let costs = history::demo_costs(&catalog);
    st.stock()
        .set_product_stock(&costs, opts.now)
        .await
        .context("setting the demo costs")?;
    let costs = costs.into_iter().map(|c| (c.product_id, c.cost)).collect();

    // Weeks of trade, rung by each store's "Caja 1" through the till core.
    let history = history::ring(
        st.as_ref(),
        &store_rows,
        &catalog,
        &costs,
        opts.history_days,
        opts.now,
    )
    .await
    .context("ringing the demo history")?;

    // Suppliers and reorder rules, HQ's billing identity, contracts and the closed months' invoices.
    let invoices = franchise_back_office(st, &fids, opts.now).await?;
    demo_purchasing(st, &store_rows, opts.now)
        .await
        .context("seeding the demo's purchase orders and transfer")?;
    demo_archive(st.as_ref(), &fids, opts.now)
        .await
        .context("seeding the demo's archived scans")?;
    // The tills' quick keys: three families as pages of the franchise's layout, a dozen keys
    // each spread over the family (a whole family would fill the layout with its first page).
    let catalog = st.replenish().catalog().await?;
    let mut keys = Vec::new();
    for (family, colour) in [
        ("Desayuno y dulces", sync_protocol::KeyColour::Orange),
        ("Panadería", sync_protocol::KeyColour::Yellow),
        ("Agua y zumos", sync_protocol::KeyColour::Blue),
    ] {
        let page = crate::services::quick_keys::family_page(&catalog, family, colour, usize::MAX);
        let step = (page.len() / 12).max(1);
        keys.extend(page.into_iter().step_by(step).take(12));
    }
    crate::services::quick_keys::save(st.as_ref(), None, keys, "Demo HQ", opts.now)
        .await
        .context("seeding the demo's quick keys")?;

    demo_promotions(st.as_ref(), &store_rows, opts.now)
        .await
        .context("seeding the demo's promotions and scheduled price")?;
    demo_customers(st.as_ref(), &fids, opts.now)
        .await
        .context("seeding the demo's customers")?;

    // A second till per store, waiting for a real till to enrol with its code.
    let mut tills = Vec::new();
    for s in &store_rows {
        let t = create_till(st.as_ref(), s.id, "Caja 2").await?;
        tills.push((s.name.clone(), t.till.name, t.enrolment_code));
    }

    // The HQ admin.
    let admin_token = auth::new_token();
    st.create_admin("Demo HQ admin", &auth::hash_token(&admin_token))
        .await?;

    let (logins, hq) = demo_logins(st.as_ref(), (store_rows[0].id, &store_rows[0].name)).await?;
    handle_past_alerts(st.as_ref(), hq, opts.now).await?;

    Ok(Some(DemoSeed {
        admin_token,
        products: count,
        tills,
        staff,
        logins,
        history,
        invoices,
    }))
}

/// Promociones on first open: a 3x2 on drinks everywhere (running), 20 % off bread in the first
/// store this week, a second breakfast unit at half price from next week, and a franchise-wide
/// price rise of the first demo product scheduled for next Monday.
async fn demo_promotions(st: &dyn Storage, stores: &[Store], now: DateTime<Utc>) -> Result<()> {
    use crate::services::promotions::{self as promos, NewPromotion};
    use chrono::Datelike;
    use sync_protocol::{Percent, PromotionRule};
    let today = promos::today(now);
    let days = chrono::Duration::days;
    let first = stores.first().map(|s| vec![s.id]).unwrap_or_default();
    let catalog = st.replenish().catalog().await?;
    for (name, rule, family, stores, from, to) in [
        (
            "3x2 agua y zumos",
            PromotionRule::NForM { take: 3, pay: 2 },
            "Agua y zumos",
            vec![],
            today - days(3),
            today + days(25),
        ),
        (
            "Panadería −20 %",
            PromotionRule::PercentOff {
                percent: Percent::whole(20),
            },
            "Panadería",
            first,
            today,
            today + days(6),
        ),
        (
            "2ª unidad al 50 %",
            PromotionRule::SecondUnit {
                percent_off: Percent::whole(50),
            },
            // The family is too large for one promotion: its first eight products.
            "",
            vec![],
            today + days(7),
            today + days(21),
        ),
    ] {
        let (family, products) = if family.is_empty() {
            let mut breakfast: Vec<_> = catalog
                .iter()
                .filter(|p| p.active && p.family == "Desayuno y dulces")
                .map(|p| p.product_id)
                .collect();
            breakfast.sort();
            breakfast.truncate(8);
            (None, breakfast)
        } else {
            (Some(family.to_string()), vec![])
        };
        promos::create(
            st,
            NewPromotion {
                name: name.into(),
                rule,
                family,
                products,
                stores,
                starts_on: from,
                ends_on: to,
            },
            "Demo HQ",
            now,
        )
        .await
        .map_err(|e| anyhow!("promotion {name}: {e}"))?;
    }
    if let Some(p) = st
        .list_products(Some("DEMO-00001"), 0, 1)
        .await?
        .into_iter()
        .next()
    {
        let monday = today + days(7 - i64::from(today.weekday().num_days_from_monday()));
        let price = Money::from_cents((p.price.cents() * 105 + 99) / 100);
        promos::schedule_price(st, p.id, None, price, monday, "Demo HQ", now)
            .await
            .map_err(|e| anyhow!("scheduled price: {e}"))?;
    }
    Ok(())
}

/// Clientes on first open: three customers of each franchisee (a company for full invoices, a
/// person who takes receipts by e-mail, one without e-mail consent), at every till of its stores.
async fn demo_customers(st: &dyn Storage, fids: &[FranchiseeId], now: DateTime<Utc>) -> Result<()> {
    use crate::services::customers::{CustomerIn, create};
    for f in fids {
        for (name, nif, address, email, consent) in [
            (
                "Reformas Ebro, S.L.",
                "B12345674",
                "Calle del Ebro 12, 50002 Zaragoza",
                "facturas@reformas-ebro.example.es",
                true,
            ),
            (
                "Lucía Fernández Gil",
                "12345678Z",
                "Calle Mayor 3, 28013 Madrid",
                "lucia.fernandez@example.es",
                true,
            ),
            (
                "Ionut Popescu",
                "X1234567L",
                "Avenida del Puerto 40, 46023 Valencia",
                "",
                false,
            ),
        ] {
            let input = CustomerIn {
                name: name.into(),
                nif: nif.into(),
                address: address.into(),
                email: email.into(),
                email_consent: consent,
            };
            create(st, *f, &input, "Demo HQ", now)
                .await
                .map_err(|e| anyhow!("customer {name}: {e}"))?;
        }
    }
    Ok(())
}

/// Pedidos on first open: an approved order to the drinks supplier waiting at Toledo's tills, a
/// draft for Chamberí to review (today's suggestion when there is one), and a transfer from
/// Chamberí to Toledo in transit.
async fn demo_purchasing(
    st: &Arc<dyn Storage>,
    stores: &[Store],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    use crate::services::purchasing as po;
    use crate::storage::purchasing::{NewPurchaseOrder, NewTransfer, OrderLineIn};
    use sync_protocol::Quantity;
    let suppliers = st.replenish().list_suppliers().await?;
    let Some(drinks) = suppliers.iter().find(|s| !s.central) else {
        return Ok(());
    };
    let products = st.stock().product_stock().await?;
    let of = |family: &str, n: usize| -> Vec<OrderLineIn> {
        products
            .iter()
            .filter(|p| p.family == family)
            .take(n)
            .map(|p| OrderLineIn {
                product_id: p.product_id,
                quantity: Quantity::units(12),
                unit_cost: p.cost,
            })
            .collect()
    };
    let manual = |store: &Store, lines: Vec<OrderLineIn>| NewPurchaseOrder {
        store_id: store.id,
        supplier_id: drinks.id,
        source: "manual".into(),
        lines,
        created_by: "Demo HQ".into(),
    };
    let today = crate::storage::sql::business_day(now);
    let toledo = &stores[1];
    let approved = match po::draft_from_suggestion(
        st.as_ref(),
        toledo,
        drinks.id,
        "Demo HQ",
        today,
        now,
    )
    .await
    {
        Ok((o, _)) => o,
        Err(_) => {
            st.purchasing()
                .create_purchase_order(&manual(toledo, of("Bodega", 3)), now)
                .await?
        }
    };
    if !approved.lines.is_empty() {
        po::approve(st.as_ref(), None, approved.id, "Demo HQ", now).await?;
    }
    let chamberi = &stores[0];
    if po::draft_from_suggestion(st.as_ref(), chamberi, drinks.id, "Demo HQ", today, now)
        .await
        .is_err()
    {
        let lines = of("Refrescos", 2);
        if !lines.is_empty() {
            st.purchasing()
                .create_purchase_order(&manual(chamberi, lines), now)
                .await?;
        }
    }
    let lines: Vec<(sync_protocol::ProductId, Quantity)> = of("Limpieza", 2)
        .into_iter()
        .map(|l| (l.product_id, Quantity::units(3)))
        .collect();
    if !lines.is_empty() {
        let t = st
            .purchasing()
            .create_transfer(
                &NewTransfer {
                    from_store_id: chamberi.id,
                    to_store_id: toledo.id,
                    lines,
                    created_by: "Demo HQ".into(),
                },
                now,
            )
            .await?;
        st.purchasing()
            .dispatch_transfer(t.id, "Demo HQ", now)
            .await?;
    }
    Ok(())
}

/// What makes the demo a back office: suppliers and reorder rules, HQ's billing identity, each
/// franchisee's contract, and the franchise invoices of the closed months of the history. Returns
/// how many invoices were issued.
async fn franchise_back_office(
    st: &Arc<dyn Storage>,
    franchisees: &[sync_protocol::FranchiseeId],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize> {
    use crate::services::invoicing;
    use crate::storage::invoicing::{ContractIn, IssuerIn, PaymentIn};
    use crate::storage::replenish::{FamilyRule, NewSupplier};
    use chrono::Datelike;
    use sync_protocol::Quantity;
    use trastienda_einvoice::royalty::Tier;
    use trastienda_einvoice::{Address, Language};

    let r = st.replenish();
    let central = r
        .create_supplier(
            &NewSupplier {
                name: "Almacén central (Getafe)".into(),
                central: true,
                franchisee_id: None,
                email: "pedidos@almacen.trastienda.example.es".into(),
                lead_time_days: 1,
                order_days: "1,4".into(),
                min_order: Money::ZERO,
                language: Default::default(),
            },
            now,
        )
        .await?;
    let drinks = r
        .create_supplier(
            &NewSupplier {
                name: "Bebidas del Henares, S.L.".into(),
                central: false,
                franchisee_id: None,
                email: "pedidos@bebidashenares.example.es".into(),
                lead_time_days: 3,
                order_days: "2".into(),
                min_order: Money::from_cents(30_000),
                language: Default::default(),
            },
            now,
        )
        .await?;
    for f in FAMILIES {
        let (supplier, pack) = match f.category {
            "Bodega" | "Cervezas" | "Refrescos" => (drinks.id, 6),
            "Fruta y verdura" => (central.id, 1),
            _ => (central.id, 6),
        };
        r.set_family_rule(&FamilyRule {
            family: f.category.into(),
            supplier_id: supplier,
            reorder_point: None,
            par_level: None,
            pack: Quantity::units(pack),
            safety_days: 2,
        })
        .await?;
    }

    // HQ's billing identity and the franchisees' contracts since the history began.
    let address = |street: &str, postal: &str, city: &str, province: &str| Address {
        street: street.into(),
        postal_code: postal.into(),
        city: city.into(),
        province: province.into(),
        country: "ES".into(),
    };
    let hq_nif = nif::make_cif('B', "8830547").ok_or_else(|| anyhow!("bad demo CIF"))?;
    invoicing::set_issuer(
        st.as_ref(),
        &IssuerIn {
            legal_name: "Trastienda Franquicias, S.L.".into(),
            nif: hq_nif.clone(),
            address: address("Calle de Alcalá 101", "28009", "Madrid", "Madrid"),
            iban: "ES9121000418450200051332".into(),
            bic: Some("CAIXESBBXXX".into()),
            creditor_id: Some(
                sync_protocol::CreditorId::from_nif(&hq_nif)
                    .map_err(|e| anyhow!("demo creditor id: {e}"))?
                    .as_str()
                    .to_string(),
            ),
        },
        now,
    )
    .await
    .map_err(|e| anyhow!("demo issuer: {e}"))?;
    let start = (now - chrono::Duration::days(HISTORY_DAYS + 31)).date_naive();
    let from = format!("{:04}-{:02}", start.year(), start.month());
    let contracts = [
        ContractIn {
            effective_from: from.clone(),
            royalty_tiers: vec![
                Tier {
                    from: Money::ZERO,
                    to: Some(Money::from_cents(3_000_000)),
                    percent: rust_decimal::Decimal::new(5, 0),
                },
                Tier {
                    from: Money::from_cents(3_000_000),
                    to: None,
                    percent: rust_decimal::Decimal::new(4, 0),
                },
            ],
            minimum_royalty: Money::from_cents(50_000),
            marketing_fund_percent: rust_decimal::Decimal::new(15, 1),
            fee_per_till: Money::from_cents(4_500),
            fee_per_store: Money::ZERO,
            entry_fee: Money::ZERO,
            payment_days: 30,
            payment: PaymentIn::Transfer,
            billing_email: "administracion@riberadeltajo.example.es".into(),
            language: Language::Es,
            billing_address: address("Calle Real 14", "45001", "Toledo", "Toledo"),
            equivalence_surcharge: false,
            prenotification_days: None,
        },
        ContractIn {
            effective_from: from,
            royalty_tiers: vec![Tier {
                from: Money::ZERO,
                to: None,
                percent: rust_decimal::Decimal::new(5, 0),
            }],
            minimum_royalty: Money::from_cents(30_000),
            marketing_fund_percent: rust_decimal::Decimal::new(1, 0),
            fee_per_till: Money::ZERO,
            fee_per_store: Money::from_cents(15_000),
            entry_fee: Money::ZERO,
            payment_days: 15,
            payment: PaymentIn::DirectDebit {
                mandate_reference: "TRS-TURIA-0001".into(),
                debtor_iban: "ES7921000813610123456789".into(),
            },
            billing_email: "accounts@turialevante.example.es".into(),
            language: Language::En,
            billing_address: address("Avinguda del Port 88", "46023", "València", "Valencia"),
            equivalence_surcharge: false,
            // Agreed in the contract: 5 days' notice of each direct debit instead of 14.
            prenotification_days: Some(5),
        },
    ];
    for (f, c) in franchisees.iter().zip(&contracts) {
        invoicing::create_contract(st.as_ref(), *f, c, "Ana Torres (central)", now)
            .await
            .map_err(|e| anyhow!("demo contract: {e}"))?;
    }

    // The invoices of the last two closed months (a month the history covers fully or in part).
    let mut issued = 0;
    let this_month = crate::storage::sql::business_day(now)
        .with_day(1)
        .ok_or_else(|| anyhow!("month"))?;
    for back in [2, 1] {
        let month = this_month
            .checked_sub_months(chrono::Months::new(back))
            .ok_or_else(|| anyhow!("month"))?;
        let period = format!("{:04}-{:02}", month.year(), month.month());
        let run = invoicing::run(st.as_ref(), &period, now, &|_, _| {})
            .await
            .map_err(|e| anyhow!("demo invoicing {period}: {e}"))?;
        issued += run.issued.len();
    }

    // A partial credit note: the second franchisee's older invoice gets up to 50.00 off its first line
    // (a discount agreed after the month, a rectificativa by differences in the RQ series).
    if let Some(second) = franchisees.get(1)
        && let Some(oldest) = st
            .invoicing()
            .list_invoices(Some(*second))
            .await?
            .into_iter()
            .filter(|i| i.kind == crate::storage::invoicing::InvoiceKind::Invoice)
            .min_by_key(|i| i.id)
    {
        let draft: trastienda_einvoice::InvoiceDraft = serde_json::from_str(&oldest.draft)?;
        let left =
            invoicing::left_to_credit(&draft, &[]).map_err(|e| anyhow!("demo credit note: {e}"))?;
        let amount = left
            .first()
            .copied()
            .unwrap_or(Money::ZERO)
            .min(Money::from_cents(5_000));
        invoicing::issue_credit_note(
            st.as_ref(),
            oldest.id,
            invoicing::CreditNoteIn {
                reason: trastienda_einvoice::CorrectionReason::DiscountsAndReturns,
                description: "Descuento acordado por obras en la calle".into(),
                lines: vec![invoicing::CreditLineIn {
                    line: 1,
                    net: Some(amount),
                }],
            },
            now,
        )
        .await
        .map_err(|e| anyhow!("demo credit note: {e}"))?;
    }

    // Cobros: the first franchisee paid its first invoice by transfer and part of the second by
    // card; the second pays by direct debit under its mandate, not yet collected.
    if let Some(first) = franchisees.first() {
        use crate::storage::collections::{NewPayment, PaymentMethod};
        let open = st.collections().receivables(Some(*first), true).await?;
        let today = crate::storage::sql::business_day(now);
        let mut payments = Vec::new();
        if let Some(r) = open.first() {
            payments.push((r.open, PaymentMethod::Transfer, "TRANSFERENCIA FRA ROYALTY"));
        }
        if open.len() > 1 {
            payments.push((
                Money::from_cents(20_000),
                PaymentMethod::Card,
                "TPV CENTRAL",
            ));
        }
        for (amount, method, reference) in payments {
            crate::services::collections::record_payment(
                st.as_ref(),
                &NewPayment {
                    franchisee_id: *first,
                    method,
                    received_on: today - chrono::Duration::days(3),
                    amount,
                    reference: reference.into(),
                    allocations: None,
                },
                "Ana Torres (central)",
                now,
            )
            .await
            .map_err(|e| anyhow!("demo payment: {e}"))?;
        }
    }
    Ok(issued)
}

/// A one-page PDF whose text is `lines` (Helvetica), as a scanner's OCR layer would give: what the
/// demo archives as HQ's scans of paper documents.
fn scan_pdf(lines: &[&str]) -> Vec<u8> {
    let text: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let l = l
                .replace('\\', "\\\\")
                .replace('(', "\\(")
                .replace(')', "\\)");
            format!(
                "BT /F1 {} Tf 72 {} Td ({l}) Tj ET\n",
                if i == 0 { 16 } else { 11 },
                770 - 24 * i
            )
        })
        .collect();
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{text}endstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// The archive on first open: HQ's scans of each franchisee's signed contract, the second's signed
/// SEPA mandate and a supplier's paper invoice (the invoices, Z reports and delivery notes are
/// already archived where they live).
async fn demo_archive(
    st: &dyn Storage,
    franchisees: &[FranchiseeId],
    now: DateTime<Utc>,
) -> Result<()> {
    use crate::services::archive::{UploadIn, upload};
    let today = crate::storage::sql::business_day(now);
    let mut scans = Vec::new();
    // Scanned and dated today: the archive's first page shows them above the month's invoices.
    for (i, f) in franchisees.iter().enumerate() {
        let legal = st.get_franchisee(*f).await?.legal_name;
        let signed = today;
        scans.push((
            Some(f.0),
            None,
            "contract",
            format!("CTR-{:03}", f.0),
            signed,
            format!("contrato-{}.pdf", f.0),
            scan_pdf(&[
                "Contrato de franquicia",
                &format!("Entre Trastienda Central, S.L. y {legal}"),
                &format!("Firmado en Madrid el {signed}"),
            ]),
        ));
        if i == 1 {
            scans.push((
                Some(f.0),
                None,
                "mandate",
                format!("MANDATO-{:03}", f.0),
                signed,
                "mandato-sepa.pdf".to_string(),
                scan_pdf(&[
                    "Orden de domiciliacion de adeudo directo SEPA",
                    &format!("Deudor: {legal}"),
                    "Firmada por el deudor",
                ]),
            ));
        }
    }
    if let Some(sup) = st.replenish().list_suppliers().await?.first() {
        scans.push((
            None,
            Some(sup.id),
            "supplier_invoice",
            format!("PROV-{}-0042", today.format("%Y")),
            today,
            "factura-proveedor.pdf".to_string(),
            scan_pdf(&[
                "Factura",
                &format!("Proveedor: {}", sup.name),
                "Mercaderias servidas al almacen central",
            ]),
        ));
    }
    for (franchisee_id, supplier_id, kind, number, date, filename, content) in scans {
        upload(
            st,
            UploadIn {
                franchisee_id,
                supplier_id,
                kind: kind.into(),
                number,
                document_date: date.to_string(),
                filename,
                content,
            },
            "Ana Torres (central)",
            now,
        )
        .await
        .map_err(|e| anyhow!("demo archive: {e}"))?;
    }
    Ok(())
}

/// Seeds (once) and prints how to use the demo.
pub async fn seed_and_print(
    st: &Arc<dyn Storage>,
    addr: SocketAddr,
    opts: SeedOptions,
) -> Result<()> {
    let url = format!("http://{addr}");
    if st.list_franchisees().await?.is_empty() {
        println!(
            "Seeding the demo franchise: {} days of trade rung through the till core (a minute or two)…",
            opts.history_days
        );
    }
    match seed_with(st, opts).await? {
        Some(d) => {
            println!();
            println!(
                "Trastienda demo franchise seeded ({} database):",
                st.backend()
            );
            println!(
                "  2 franchisees, 3 stores, {} products, IVA 21/10/4/0 %, 9 staff, 6 tills",
                d.products
            );
            let h = &d.history;
            println!(
                "  {} days of trade rung by each store's Caja 1: {} tickets ({} €), {} refunds, {} Z closes ({} signed off by a manager), {} delivery notes",
                h.days, h.sales, h.gross, h.refunds, h.closes, h.approved_closes, h.deliveries
            );
            println!(
                "  franchise contracts, {} franchise invoices for the last two closed months, suppliers and reorder rules",
                d.invoices
            );
            println!();
            println!("Web dashboard: {url}/dashboard/login (passwords shown only now):");
            for (user, password, what) in &d.logins {
                println!("    {user:<10} {password:<16} {what}");
            }
            println!();
            println!("HQ admin API token (shown only now):");
            println!("    {}", d.admin_token);
            println!();
            println!("Scale labels (GS1 variable measure, rules on /dashboard/barcode-rules):");
            println!(
                "    21 IIIII GGGGG C  weight in grams   e.g. 2100001015251 = 1,525 kg of oranges"
            );
            println!(
                "    23 IIIII PPPPP C  price in cents    e.g. 2300002007587 = cheese for 7,58 €"
            );
            println!();
            println!(
                "Enrol a till of your own as each store's Caja 2 (one-time codes, valid 7 days):"
            );
            for (store, till, code) in &d.tills {
                println!("    {store:<26} {till:<8} {code}");
            }
            println!();
            println!("Staff PINs for the tills:");
            for (store, name, role, pin) in &d.staff {
                let role = match role {
                    StaffRole::Manager => "manager",
                    StaffRole::Cashier => "cashier",
                };
                println!("    {store:<26} {name:<18} {role:<8} {pin}");
            }
            println!();
            println!("Try it:");
            println!("    curl {url}/healthz");
            println!(
                "    curl -H 'Authorization: Bearer {}' '{url}/api/v1/admin/products?q=leche&limit=5'",
                d.admin_token
            );
            println!(
                "    curl -X POST -H 'Content-Type: application/json' -d '{{\"protocol_version\":1,\"code\":\"{}\",\"device_name\":\"Caja 2\"}}' {url}/api/v1/sync/enroll",
                d.tills.first().map(|t| t.2.as_str()).unwrap_or("CODE")
            );
            println!("    API description: {url}/api/openapi.json");
            println!();
        }
        None => {
            // Passwords, PINs and tokens of the first run cannot be shown again (only their
            // hashes are kept), and nothing is added: a rerun changes nothing.
            println!();
            println!(
                "The demo franchise is already in this database ({}): nothing was changed.",
                st.backend()
            );
            println!("Sign in at {url}/dashboard/login with the users the first run printed:");
            println!(
                "    hq (HQ admin), analista (HQ analyst), encargado (store manager), franquicia (franchisee)"
            );
            println!("Lost a password? Set a new one (the server may keep running):");
            println!(
                "    back-office-server users reset-password hq --database <the same database URL>"
            );
            println!(
                "Or start afresh with a new database file, e.g. --database sqlite://trastienda-demo-2.db"
            );
            println!("API description: {url}/api/openapi.json");
            println!();
        }
    }
    println!("Serving on {url} (Ctrl-C to stop)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each product with its family's category, name and price.
    fn catalog() -> Vec<(&'static str, String, Money)> {
        let rates = [(21, 1), (10, 2), (4, 3), (0, 4)];
        demo_products(&rates)
            .unwrap()
            .into_iter()
            .map(|(p, c)| (c, p.name, p.price))
            .collect()
    }

    #[test]
    fn families_hold_what_their_name_says() {
        for (category, name, _) in catalog() {
            match category {
                "Leche" => assert!(
                    name.starts_with("Leche") || name.starts_with("Bebida"),
                    "{name}"
                ),
                "Aceites" => assert!(name.starts_with("Aceite"), "{name}"),
                "Quesos" => assert!(name.starts_with("Queso"), "{name}"),
                "Panadería" => assert!(
                    !name.contains("Queso") && !name.contains("Aceite"),
                    "{name}"
                ),
                _ => {}
            }
        }
    }

    /// Within a product line (same name but the size), a bigger size never costs less than a
    /// smaller one: a 5 l bottle is dearer than a 1 l one.
    #[test]
    fn bigger_sizes_cost_more() {
        let mut by_line: std::collections::HashMap<String, Vec<(i64, Money, String)>> =
            Default::default();
        for (category, name, price) in catalog() {
            let family = FAMILIES.iter().find(|f| f.category == category).unwrap();
            let (size, percent) = family
                .sizes
                .iter()
                .find(|(s, _)| name.ends_with(&format!(" {s}")))
                .unwrap_or_else(|| panic!("{name}: no size of {category}"));
            let line = name[..name.len() - size.len()].to_string();
            by_line
                .entry(line)
                .or_default()
                .push((*percent, price, name.clone()));
        }
        let mut compared = 0;
        for sizes in by_line.values_mut() {
            sizes.sort_by_key(|(p, _, _)| *p);
            for w in sizes.windows(2) {
                if w[0].0 < w[1].0 {
                    assert!(
                        w[0].1 < w[1].1,
                        "{} {} vs {} {}",
                        w[0].2,
                        w[0].1,
                        w[1].2,
                        w[1].1
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 100, "{compared}");
    }
}
