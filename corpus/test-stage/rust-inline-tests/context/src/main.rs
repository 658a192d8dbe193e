fn tick() -> u32 { 1 }

fn main() { println!("{}", tick()); }

#[cfg(test)]
mod tests {
    #[test]
    fn ticks() { assert_eq!(super::tick(), 1); }
}
