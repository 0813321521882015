"""Word lists for generated demo people and places. Nothing here names a real person."""

from __future__ import annotations

FIRST_NAMES = (
    "Aisha", "Alex", "Amir", "Amy", "Anita", "Ben", "Bethany", "Caroline", "Chloe", "Chris",
    "Daniel", "David", "Deborah", "Elena", "Emma", "Fatima", "Fiona", "Gareth", "Grace", "Hannah",
    "Harpreet", "Helen", "Imran", "Jack", "James", "Jane", "Joanne", "Jonathan", "Karen", "Kate",
    "Laura", "Liam", "Lucy", "Marcus", "Maria", "Mark", "Michelle", "Mohammed", "Natalie", "Neil",
    "Nicola", "Oliver", "Paul", "Priya", "Rachel", "Rebecca", "Richard", "Rosa", "Ruth", "Sam",
    "Sarah", "Simon", "Sophie", "Stephen", "Tariq", "Tom", "Vanessa", "Wei", "Yasmin", "Zoe",
)

SURNAMES = (
    "Adams", "Ahmed", "Ali", "Allen", "Atkinson", "Baker", "Barnes", "Begum", "Bell", "Bennett",
    "Brown", "Butler", "Campbell", "Carter", "Chapman", "Chen", "Clarke", "Collins", "Cooper",
    "Davies", "Dawson", "Edwards", "Evans", "Fisher", "Fletcher", "Foster", "Gill", "Graham",
    "Green", "Hall", "Harris", "Hughes", "Hussain", "Jackson", "James", "Jones", "Kaur", "Khan",
    "King", "Kowalski", "Lee", "Lewis", "Marshall", "Martin", "Mason", "Mitchell", "Moore",
    "Morgan", "Murphy", "Nowak", "Osei", "Owen", "Palmer", "Parker", "Patel", "Phillips", "Price",
    "Reid", "Roberts", "Robinson", "Rose", "Shah", "Singh", "Smith", "Stewart", "Taylor", "Thomas",
    "Turner", "Walker", "Ward", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young",
)

STREETS = (
    "High Street", "Market Street", "Church Street", "Station Road", "Bridge Street",
    "London Road", "Mill Road", "Victoria Road", "North Street", "Broad Street", "Park Lane",
    "New Road", "Church Lane", "West Street", "Queen Street", "King Street", "The Green",
    "Manor Road", "School Lane", "Cambridge Road", "Chapel Street", "Sheep Street", "Fen Road",
)
