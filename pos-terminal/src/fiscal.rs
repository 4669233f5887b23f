//! Who this till is for VERI*FACTU: the producer, the system's name, id and version, and the
//! installation number that every record's `SistemaInformatico` carries (and the About screen shows).
//!
//! The producer is whoever builds and ships Trastienda as a product and signs its declaración
//! responsable (RD 1007/2023 art. 13): they set `TRASTIENDA_PRODUCER_NAME` and
//! `TRASTIENDA_PRODUCER_NIF` (and `TRASTIENDA_PRODUCER_ADDRESS`, `TRASTIENDA_DECLARATION_PLACE`,
//! `TRASTIENDA_DECLARATION_DATE`) when building. A build without them says so on the About screen.

use sync_protocol::verifactu::SistemaInformatico;
use sync_protocol::{StoreId, TillId};

/// `NombreSistemaInformatico` (at most 30 characters).
pub const SYSTEM_NAME: &str = "Trastienda";
/// `IdSistemaInformatico` (at most 2 characters).
pub const SYSTEM_ID: &str = "TS";
/// `Version`: the till's crate version.
pub const SYSTEM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The producer's name when the build did not set one.
pub const UNDECLARED_PRODUCER_NAME: &str = "Trastienda (build without a declared producer)";
/// A NIF that names nobody (DNI number 00000000 is never issued, its check letter is T): the
/// records stay well-formed, and the About screen tells the build has no declared producer.
pub const UNDECLARED_PRODUCER_NIF: &str = "00000000T";

/// The producer who signs the declaración responsable, as set at build time.
pub fn producer_name() -> &'static str {
    option_env!("TRASTIENDA_PRODUCER_NAME").unwrap_or(UNDECLARED_PRODUCER_NAME)
}

pub fn producer_nif() -> &'static str {
    option_env!("TRASTIENDA_PRODUCER_NIF").unwrap_or(UNDECLARED_PRODUCER_NIF)
}

/// The producer's postal address for the declaración responsable (`TRASTIENDA_PRODUCER_ADDRESS`).
pub fn producer_address() -> Option<&'static str> {
    option_env!("TRASTIENDA_PRODUCER_ADDRESS")
}

/// Where and when the producer signed the declaración responsable for this version
/// (`TRASTIENDA_DECLARATION_PLACE`, `TRASTIENDA_DECLARATION_DATE`).
pub fn declaration_signed() -> Option<(&'static str, &'static str)> {
    Some((
        option_env!("TRASTIENDA_DECLARATION_PLACE")?,
        option_env!("TRASTIENDA_DECLARATION_DATE")?,
    ))
}

/// Whether this build names the producer answering for it.
pub fn producer_declared() -> bool {
    option_env!("TRASTIENDA_PRODUCER_NIF").is_some()
}

/// `NumeroInstalacion`: the store and the till, so each till installation has its own chain.
pub fn installation_number(store: StoreId, till: TillId) -> String {
    format!("TIENDA-{:04}-CAJA-{:04}", store.0, till.0)
}

/// The `SistemaInformatico` block of this till's records. Trastienda runs only as VERI*FACTU
/// (`TipoUsoPosibleSoloVerifactu=S`); it serves many taxpayers across a franchise
/// (`TipoUsoPosibleMultiOT=S`) but each till installation issues for one franchisee at a time
/// (`IndicadorMultiplesOT=N`).
pub fn sistema_informatico(store: StoreId, till: TillId) -> SistemaInformatico {
    SistemaInformatico {
        nombre_razon: producer_name().chars().take(120).collect(),
        nif: producer_nif().to_string(),
        nombre_sistema_informatico: SYSTEM_NAME.to_string(),
        id_sistema_informatico: SYSTEM_ID.to_string(),
        version: SYSTEM_VERSION.to_string(),
        numero_instalacion: installation_number(store, till),
        tipo_uso_posible_solo_verifactu: true,
        tipo_uso_posible_multi_ot: true,
        indicador_multiples_ot: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_block_fits_the_xsd() {
        let s = sistema_informatico(StoreId(3), TillId(7));
        assert_eq!(s.numero_instalacion, "TIENDA-0003-CAJA-0007");
        assert_eq!(s.check(), Ok(()));
        assert!(sync_protocol::nif::validate(UNDECLARED_PRODUCER_NIF).is_ok());
    }
}
