*: :blackhole:
