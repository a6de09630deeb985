fn main() {
    println!("maillint");
}
