//! A thin layer over quick-xml's writer for the two e-invoice formats: open, close and leaf elements,
//! always escaped, indented for humans who open the file.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::io;

/// Why an XML document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("writing XML: {0}")]
    Io(#[from] io::Error),
}

pub(crate) struct Xml {
    w: Writer<Vec<u8>>,
}

impl Xml {
    pub(crate) fn new() -> Result<Xml, XmlError> {
        let mut w = Writer::new_with_indent(Vec::with_capacity(16 * 1024), b' ', 2);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Xml { w })
    }

    pub(crate) fn open(&mut self, name: &str) -> Result<&mut Self, XmlError> {
        self.open_with(name, &[])
    }

    pub(crate) fn open_with(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
    ) -> Result<&mut Self, XmlError> {
        let mut start = BytesStart::new(name);
        for a in attrs {
            start.push_attribute(*a);
        }
        self.w.write_event(Event::Start(start))?;
        Ok(self)
    }

    pub(crate) fn close(&mut self, name: &str) -> Result<&mut Self, XmlError> {
        self.w.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(self)
    }

    pub(crate) fn leaf(&mut self, name: &str, text: &str) -> Result<&mut Self, XmlError> {
        self.leaf_with(name, &[], text)
    }

    pub(crate) fn leaf_with(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
        text: &str,
    ) -> Result<&mut Self, XmlError> {
        self.open_with(name, attrs)?;
        self.w.write_event(Event::Text(BytesText::new(text)))?;
        self.close(name)
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        let mut out = self.w.into_inner();
        out.push(b'\n');
        out
    }
}
