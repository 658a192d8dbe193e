fn main() {
    println!("pong");
}
