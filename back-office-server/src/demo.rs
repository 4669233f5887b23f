//! `back-office-server demo`: seeds a demo franchise once (when the database has no franchisees) and
//! prints how to use it. Everything is generated from word lists with a fixed seed, so every fresh
//! demo database has the same catalog.

use crate::services::accounts::create_user;
use crate::services::catalog::{ProductIn, new_product as validate_product};
use crate::services::tills::create_till;
use crate::storage::{NewFranchisee, NewStaff, NewStore, NewTaxRate, Storage};
use crate::{auth, barcode, nif};
use anyhow::{Context, Result, anyhow};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use sync_protocol::{Money, StaffRole, TaxRate};

/// How many products the demo catalog has.
pub const DEMO_PRODUCTS: usize = 5_200;

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
    sizes: &'static [&'static str],
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
        sizes: &["1 kg", "500 g", "malla 2 kg", "bandeja 1 kg"],
        cents: (79, 449),
    },
    Family {
        category: "Leche",
        rate: 4,
        weight: 8,
        nouns: &[
            "Leche entera",
            "Leche semidesnatada",
            "Leche desnatada",
            "Aceite de oliva virgen extra",
            "Aceite de oliva suave",
            "Aceite de girasol",
        ],
        qualifiers: &[
            "",
            "sin lactosa",
            "ecológica",
            "pack ahorro",
            "de la sierra",
        ],
        sizes: &["1 l", "6 x 1 l", "brik 1 l", "5 l"],
        cents: (89, 2999),
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
        sizes: &["6 ud", "12 ud", "18 ud"],
        cents: (139, 499),
    },
    Family {
        category: "Panadería",
        rate: 4,
        weight: 8,
        nouns: &[
            "Pan de molde",
            "Pan de molde integral",
            "Queso manchego curado",
            "Queso manchego semicurado",
            "Queso fresco de Burgos",
            "Harina de trigo",
            "Pan rallado",
        ],
        qualifiers: &["", "sin gluten", "ecológico", "sin corteza", "artesano"],
        sizes: &["250 g", "400 g", "500 g", "1 kg"],
        cents: (89, 1299),
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
        qualifiers: &["", "ecológico", "integral", "extra", "clásico", "pack 3"],
        sizes: &["500 g", "1 kg", "2 kg"],
        cents: (59, 599),
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
        qualifiers: &["", "bajo en sal", "extra", "pack 3", "de la ría"],
        sizes: &["lata 120 g", "lata 250 g", "tarro 400 g", "pack 3 x 80 g"],
        cents: (69, 899),
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
        sizes: &["150 g", "250 g", "500 g", "1 kg"],
        cents: (99, 1199),
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
        sizes: &["100 g", "150 g", "250 g"],
        cents: (149, 1899),
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
        sizes: &["pack 4 x 125 g", "pack 6 x 125 g", "pack 2 x 115 g"],
        cents: (99, 399),
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
        sizes: &["500 ml", "1 l", "1,5 l", "6 x 1,5 l"],
        cents: (29, 499),
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
        sizes: &["lata 33 cl", "pack 6 x 33 cl", "2 l", "1 l"],
        cents: (49, 699),
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
            "lata 33 cl",
            "pack 6 x 33 cl",
            "botella 1 l",
            "botellín 25 cl",
        ],
        cents: (59, 899),
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
        sizes: &["75 cl", "magnum 1,5 l", "37,5 cl"],
        cents: (399, 2999),
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
        sizes: &["750 ml", "1 l", "2 l", "3 l"],
        cents: (99, 1299),
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
        sizes: &["pack 6", "pack 12", "pack 24", "50 ud"],
        cents: (99, 1099),
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
        sizes: &["75 ml", "250 ml", "500 ml", "750 ml"],
        cents: (99, 899),
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
        sizes: &["1 ud"],
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
}

/// Creates the demo's dashboard users: an HQ admin, an HQ analyst and the manager of the first store.
async fn demo_logins(
    st: &dyn Storage,
    first_store: (sync_protocol::StoreId, &str),
) -> Result<Vec<(String, String, String)>> {
    use crate::storage::dashboard::DashboardRole;
    let mut out = Vec::new();
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
        create_user(st, user, name, &password, role, stores)
            .await
            .map_err(|e| anyhow!("creating dashboard user {user}: {e}"))?;
        out.push((user.to_string(), password, what));
    }
    Ok(out)
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
        let size = rng.pick(f.sizes);
        let name = if qual.is_empty() {
            format!("{noun} {brand} {size}")
        } else {
            format!("{noun} {qual} {brand} {size}")
        };
        if !seen.insert(name.clone()) {
            continue;
        }
        let i = out.len() + 1;
        let span = (f.cents.1 - f.cents.0) as usize;
        // Shop-like prices ending in 5 or 9 cents.
        let raw = f.cents.0 + rng.below(span + 1) as i64;
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

/// Seeds the demo franchise if there are no franchisees yet; `None` when already seeded.
pub async fn seed(st: &Arc<dyn Storage>) -> Result<Option<DemoSeed>> {
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

    // One till per store with its enrolment code.
    let mut tills = Vec::new();
    for s in &store_rows {
        let t = create_till(st.as_ref(), s.id, "Caja 1").await?;
        tills.push((s.name.clone(), t.till.name, t.enrolment_code));
    }

    // The HQ admin.
    let admin_token = auth::new_token();
    st.create_admin("Demo HQ admin", &auth::hash_token(&admin_token))
        .await?;

    let logins = demo_logins(st.as_ref(), (store_rows[0].id, &store_rows[0].name)).await?;

    Ok(Some(DemoSeed {
        admin_token,
        products: count,
        tills,
        staff,
        logins,
    }))
}

/// Seeds (once) and prints how to use the demo.
pub async fn seed_and_print(st: &Arc<dyn Storage>, addr: SocketAddr) -> Result<()> {
    let url = format!("http://{addr}");
    match seed(st).await? {
        Some(d) => {
            println!();
            println!(
                "Trastienda demo franchise seeded ({} database):",
                st.backend()
            );
            println!(
                "  2 franchisees, 3 stores, {} products, IVA 21/10/4/0 %, 9 staff, 3 tills",
                d.products
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
            println!("Till enrolment codes (one-time, valid 7 days):");
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
                "    curl -X POST -H 'Content-Type: application/json' -d '{{\"protocol_version\":1,\"code\":\"{}\",\"device_name\":\"Caja 1\"}}' {url}/api/v1/sync/enroll",
                d.tills.first().map(|t| t.2.as_str()).unwrap_or("CODE")
            );
            println!("    API description: {url}/api/openapi.json");
            println!();
        }
        None => {
            // The secrets of the first run cannot be shown again (only their hashes are kept):
            // mint a fresh admin token so the demo is usable straight away.
            let token = auth::new_token();
            st.create_admin("Demo HQ admin (re-run)", &auth::hash_token(&token))
                .await?;
            println!();
            let user = format!("hq-{}", &auth::new_enrolment_code()[..4].to_lowercase());
            let password = auth::new_password();
            create_user(
                st.as_ref(),
                &user,
                "HQ admin (demo re-run)",
                &password,
                crate::storage::dashboard::DashboardRole::Admin,
                vec![],
            )
            .await
            .map_err(|e| anyhow!("creating a dashboard user: {e}"))?;
            println!("The demo franchise is already in this database; nothing seeded.");
            println!(
                "A fresh dashboard sign-in for this run: {url}/dashboard/login  user {user}  password {password}"
            );
            println!("A fresh HQ admin API token for this run (shown only now):");
            println!("    {token}");
            println!(
                "New till enrolment codes: POST {url}/api/v1/admin/tills {{\"store_id\":1,\"name\":\"Caja 2\"}}"
            );
            println!("API description: {url}/api/openapi.json");
            println!();
        }
    }
    println!("Serving on {url} (Ctrl-C to stop)");
    Ok(())
}
