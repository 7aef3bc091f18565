//! The lab's body pattern: byte i of every body is i % 251 (harness/files/generated-body.ts).
const PERIOD: usize = 251;

/// The pattern bytes [offset, offset + out.len()).
pub fn fill(out: &mut [u8], offset: u64) {
    let mut value = (offset % PERIOD as u64) as usize;
    for byte in out.iter_mut() {
        *byte = value as u8;
        value += 1;
        if value == PERIOD {
            value = 0;
        }
    }
}

/// The first wrong byte of `chunk` at body offset `offset`: (offset, found, expected).
pub fn first_mismatch(chunk: &[u8], offset: u64) -> Option<(u64, u8, u8)> {
    let mut value = (offset % PERIOD as u64) as usize;
    for (index, &byte) in chunk.iter().enumerate() {
        if byte != value as u8 {
            return Some((offset + index as u64, byte, value as u8));
        }
        value += 1;
        if value == PERIOD {
            value = 0;
        }
    }
    None
}

/// A checker fed a body's chunks in order from a starting offset, as the harness's BodyCheck.
pub struct Check {
    pub start: u64,
    pub bytes: u64,
    pub verified: u64,
    pub mismatch: Option<(u64, u8, u8)>,
}

impl Check {
    pub fn new(start: u64) -> Check {
        Check {
            start,
            bytes: 0,
            verified: 0,
            mismatch: None,
        }
    }

    pub fn update(&mut self, chunk: &[u8]) {
        if self.mismatch.is_none() {
            match first_mismatch(chunk, self.start + self.bytes) {
                Some(found) => {
                    self.verified += found.0 - (self.start + self.bytes);
                    self.mismatch = Some(found);
                }
                None => self.verified += chunk.len() as u64,
            }
        }
        self.bytes += chunk.len() as u64;
    }

    /// As the harness's describeMismatch.
    pub fn describe(&self, what: &str) -> Option<String> {
        self.mismatch.map(|(offset, found, expected)| {
            format!("{what} byte {offset} is 0x{found:02x}, expected 0x{expected:02x}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_from_any_offset() {
        let mut out = [0u8; 4];
        fill(&mut out, 249);
        assert_eq!(out, [249, 250, 0, 1]);
    }

    #[test]
    fn checks_and_names_the_first_wrong_byte() {
        let mut check = Check::new(250);
        check.update(&[250, 0]);
        check.update(&[1, 7, 3]);
        assert_eq!(check.bytes, 5);
        assert_eq!(check.verified, 3);
        assert_eq!(check.mismatch, Some((253, 7, 2)));
        assert_eq!(
            check.describe("body").unwrap(),
            "body byte 253 is 0x07, expected 0x02"
        );
    }
}
